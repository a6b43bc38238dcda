import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { postEvent } from './delivery-client';
import { retryDelayMs } from './delivery-worker';
import { addressAllowed } from './destination-guard';
import { newWebhookSecret, signatureHeader } from './signature';

describe('webhook signatures (Standard Webhooks)', () => {
  it('the reference standardwebhooks package verifies every signature we make, with each of two secrets', () => {
    fc.assert(
      fc.property(fc.json(), fc.stringMatching(/^evt_[0-9a-f]{32}$/), (body, id) => {
        const [a, b] = [newWebhookSecret(), newWebhookSecret()];
        const timestamp = Math.floor(Date.now() / 1000);
        const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader([a, b], id, timestamp, body) };
        new Webhook(a).verify(body, headers);
        new Webhook(b).verify(body, headers);
        expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
      }),
      { numRuns: 50 },
    );
  });

  it('a signature of another body, id or secret is refused', () => {
    const secret = newWebhookSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader([secret], 'evt_1', timestamp, '{"a":1}') };
    expect(() => new Webhook(secret).verify('{"a":2}', headers)).toThrow();
    expect(() => new Webhook(secret).verify('{"a":1}', { ...headers, 'webhook-id': 'evt_2' })).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify('{"a":1}', headers)).toThrow();
  });

  it('secrets are whsec_ + base64 of at least 24 random bytes', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(newWebhookSecret()).not.toBe(secret);
  });
});

describe('retry schedule', () => {
  const schedule = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
  it('after failed attempt n waits schedule[n-1] ±10%; after the last, no retry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: schedule.length }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (n, r) => {
        const delay = retryDelayMs(schedule, n, () => r)!;
        expect(delay).toBeGreaterThanOrEqual(Math.floor(schedule[n - 1] * 0.9));
        expect(delay).toBeLessThanOrEqual(Math.ceil(schedule[n - 1] * 1.1));
      }),
    );
    expect(retryDelayMs(schedule, schedule.length + 1)).toBeNull();
  });
});

describe('destination addresses', () => {
  it.each([
    ['8.8.8.8', true],
    ['93.184.215.14', true],
    ['2001:4860:4860::8888', true],
    ['127.0.0.1', false],
    ['10.0.0.1', false],
    ['172.16.5.4', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.100.100.200', false],
    ['0.0.0.0', false],
    ['224.0.0.251', false],
    ['255.255.255.255', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['fd00:ec2::254', false],
    ['ff02::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['not an address', false],
  ])('%s allowed: %s', (address, allowed) => {
    expect(addressAllowed(address, { allowPrivate: false })).toBe(allowed);
    expect(addressAllowed(address, { allowPrivate: true })).toBe(true);
  });
});

describe('delivery over kept-alive connections', () => {
  it('a kept-alive connection the receiver closed meanwhile is not a failed attempt: the POST goes again on a new connection', async () => {
    // Answers the first request of each connection (keep-alive), and closes the connection on the next one
    // without an answer: what a receiver whose idle timeout races the reuse looks like.
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      let requests = 0;
      socket.on('data', (chunk) => {
        if (!chunk.toString('latin1').startsWith('POST')) return;
        if (++requests > 1) return void socket.destroy();
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
    const policy = { allowHttp: true, allowPrivate: true };
    try {
      const post = () => postEvent(url, { 'webhook-id': 'evt_1' }, '{}', policy, new AbortController().signal, agents);
      expect((await post()).result).toBe('delivered');
      const again = await post();
      expect(again).toMatchObject({ result: 'delivered', statusCode: 200 });
      expect(connections).toBe(2);
    } finally {
      agents.http.destroy();
      server.close();
    }
  });
});
