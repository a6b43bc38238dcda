import pinoHttp from 'pino-http';
import { Writable } from 'node:stream';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../config/config.module';
import { loggerOptions } from './logger-options';

describe('the process log redacts as the audit log does', () => {
  it('no credential header or secret-named query parameter is written', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const options = loggerOptions(loadConfig({ LOG_LEVEL: 'info', NODE_ENV: 'development' })).pinoHttp as object;
    const log = pinoHttp(options, sink);
    const server = createServer((req, res) => {
      log(req, res);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const secrets = {
      authorization: 'Bearer jwt-1a2b',
      'x-auth-token': 'tok-3c4d',
      'x-client-secret': 'sec-5e6f',
      'x-password': 'pw-7a8b',
      'x-amz-security-token': 'amz-9c0d',
      cookie: 'sid=cookie-1e2f',
    };
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/teams?access_token=query-3a4b&limit=5', headers: secrets }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    await new Promise((resolve) => server.close(resolve));
    const text = lines.join('');
    expect(text).toContain('/teams?access_token=[REDACTED]&limit=5');
    for (const value of [...Object.values(secrets), 'query-3a4b', 'jwt-1a2b', 'cookie-1e2f']) expect(text).not.toContain(value);
    const entry = JSON.parse(lines[0]);
    expect(entry.req.headers).toMatchObject({ 'x-auth-token': '[REDACTED]', authorization: '[REDACTED]' });
  });
});
