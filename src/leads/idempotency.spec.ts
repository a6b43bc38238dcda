import fc from 'fast-check';
import { canonicalJson, idempotentRequest, requestFingerprint, type RequestParts } from './idempotency';

/** Rebuilds `value` with every object's keys in a shuffled order (same JSON value). */
function shuffled(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffled(v, seed + i));
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const order = keys.map((k, i) => [((seed + 1) * 2654435761 * (i + 1)) % 997, k] as const).sort((a, b) => a[0] - b[0]);
    return Object.fromEntries(order.map(([, k]) => [k, shuffled((value as Record<string, unknown>)[k], seed + 7)]));
  }
  return value;
}

describe('Idempotency-Key request fingerprint', () => {
  const base: RequestParts = { method: 'POST', path: '/leads', query: {}, body: { firstName: 'Ada', lastName: 'Lovelace' } };

  it('compares JSON bodies as values: key order and spacing do not matter (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(1000), (value, seed) => {
        const reordered = shuffled(value, seed);
        expect(canonicalJson(reordered)).toBe(canonicalJson(value));
        expect(canonicalJson(JSON.parse(JSON.stringify(value, null, 2)))).toBe(canonicalJson(value));
        expect(requestFingerprint({ ...base, body: reordered })).toBe(requestFingerprint({ ...base, body: value }));
      }),
    );
  });

  it('tells different values apart', () => {
    const fp = (parts: Partial<RequestParts>) => requestFingerprint({ ...base, ...parts });
    const all = [
      fp({}),
      fp({ body: { firstName: 'Ada', lastName: 'Byron' } }),
      fp({ body: { firstName: 'Ada', lastName: 'Lovelace', notes: null } }),
      fp({ body: { firstName: 'Ada', lastName: 'Lovelace', teamId: 1 } }),
      fp({ body: { firstName: 'Ada', lastName: 'Lovelace', teamId: '1' } }),
      fp({ query: { skipTeamAndSourceRequirement: 'true' } }),
      fp({ query: { skipTeamAndSourceRequirement: 'false' } }),
      fp({ path: '/leads/1' }),
      fp({ method: 'PATCH' }),
      fp({ body: [1, 2] }),
      fp({ body: [2, 1] }),
    ];
    expect(new Set(all).size).toBe(all.length);
  });

  it('compares query parameters whatever their order', () => {
    expect(requestFingerprint({ ...base, query: { a: '1', b: '2' } })).toBe(requestFingerprint({ ...base, query: { b: '2', a: '1' } }));
  });

  it('reads the header: absent → null, 1..255 characters → the key, else 400', () => {
    expect(idempotentRequest({}, base)).toBeNull();
    expect(idempotentRequest({ 'idempotency-key': 'k'.repeat(255) }, base)).toEqual({ key: 'k'.repeat(255), fingerprint: requestFingerprint(base) });
    for (const bad of ['', 'k'.repeat(256)]) {
      expect(() => idempotentRequest({ 'idempotency-key': bad }, base)).toThrow('Idempotency-Key must be 1 to 255 characters');
    }
  });
});
