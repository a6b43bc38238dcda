import fc from 'fast-check';
import { redactUrl, REDACTED, sanitizeHeaders } from './request-meta';

describe('sanitizeHeaders (API.md section 8)', () => {
  it('redacts the credential headers by name, whatever their case', () => {
    const out = sanitizeHeaders({
      authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.secret',
      Cookie: 'session=abc',
      'set-cookie': ['a=1', 'b=2'],
      'Proxy-Authorization': 'Basic dXNlcjpwYXNz',
      'X-API-KEY': 'ldk_0123',
    });
    expect(out).toEqual({
      authorization: REDACTED,
      cookie: REDACTED,
      'set-cookie': REDACTED,
      'proxy-authorization': REDACTED,
      'x-api-key': REDACTED,
    });
  });

  it('redacts any header whose name contains token, secret, password or key', () => {
    const names = ['x-api-token', 'X-Auth-Token', 'x-client-secret', 'x-password', 'db-password-hint', 'x-signing-key', 'monkey', 'tokenizer'];
    const out = sanitizeHeaders(Object.fromEntries(names.map((n) => [n, 'sensitive-value'])));
    expect(Object.values(out)).toEqual(names.map(() => REDACTED));
    expect(Object.keys(out)).toEqual(names.map((n) => n.toLowerCase()));
  });

  it('keeps x-account-id and idempotency-key, and ordinary headers, as they are', () => {
    expect(
      sanitizeHeaders({
        'x-account-id': '2311',
        'Idempotency-Key': 'order-17',
        'content-type': 'application/json',
        'user-agent': 'curl/8',
        'x-forwarded-for': '203.0.113.7',
        accept: ['application/json', 'text/plain'],
      }),
    ).toEqual({
      'x-account-id': '2311',
      'idempotency-key': 'order-17',
      'content-type': 'application/json',
      'user-agent': 'curl/8',
      'x-forwarded-for': '203.0.113.7',
      accept: 'application/json, text/plain',
    });
  });

  it('drops headers without a value', () => {
    expect(sanitizeHeaders({ accept: undefined, host: 'api' })).toEqual({ host: 'api' });
  });

  it('never lets the value of a sensitive header through (property)', () => {
    const sensitiveName = fc.oneof(
      fc.constantFrom('authorization', 'cookie', 'set-cookie', 'proxy-authorization', 'x-api-key'),
      fc
        .tuple(fc.stringMatching(/^[a-z-]{0,8}$/), fc.constantFrom('token', 'secret', 'password', 'key', 'TOKEN', 'Key'), fc.stringMatching(/^[a-z-]{0,8}$/))
        .map(([a, part, b]) => `${a}${part}${b}`)
        .filter((n) => !['x-account-id', 'idempotency-key'].includes(n.toLowerCase())),
    );
    fc.assert(
      fc.property(sensitiveName, fc.string({ minLength: 1 }), (name, value) => {
        const out = sanitizeHeaders({ [name]: value, 'x-account-id': '1' });
        expect(out[name.toLowerCase()]).toBe(REDACTED);
        expect(out['x-account-id']).toBe('1');
      }),
    );
  });
});

describe('the allowlist and URLs (issue 13)', () => {
  it.each(['x-auth-token', 'x-client-secret', 'x-password', 'x-amz-security-token', 'x-session', 'x-signature', 'x-custom-auth', 'x-vendor-thing'])(
    'a header outside the allowlist keeps its name, not its value: %s',
    (name) => {
      expect(sanitizeHeaders({ [name]: 'value-1f2e', 'user-agent': 'curl/8' })).toEqual({ [name]: REDACTED, 'user-agent': 'curl/8' });
    },
  );

  it.each([
    ['/teams?access_token=abc', '/teams?access_token=[REDACTED]'],
    ['/teams?api_key=abc&limit=5', '/teams?api_key=[REDACTED]&limit=5'],
    ['/x?X-Amz-Signature=abc&X-Amz-Credential=def&a=1', '/x?X-Amz-Signature=[REDACTED]&X-Amz-Credential=[REDACTED]&a=1'],
    ['/x?password=p&session_id=s&Token=t', '/x?password=[REDACTED]&session_id=[REDACTED]&Token=[REDACTED]'],
    ['/x?access%5Ftoken=abc', '/x?access%5Ftoken=[REDACTED]'],
    ['/leads?skipTeamAndSourceRequirement=true', '/leads?skipTeamAndSourceRequirement=true'],
    ['/leads?q=monkey', '/leads?q=monkey'],
    ['/leads', '/leads'],
  ])('redactUrl(%s) = %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it('a Referer keeps its URL with secret parameters redacted', () => {
    expect(sanitizeHeaders({ referer: 'https://app.example/cb?code=1&access_token=abc' })).toEqual({ referer: 'https://app.example/cb?code=1&access_token=[REDACTED]' });
  });
});
