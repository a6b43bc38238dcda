import { Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../config/config.module';
import { AccessLogRecorder, MAX_BUFFERED, type AuditedRequest } from './access-log-recorder';

/** A DataSource whose INSERTs fail while `down`, recording the batches it took. */
function fakeDatabase() {
  const db = {
    down: false,
    batches: [] as string[][],
    query: jest.fn(async (_sql: string, params: unknown[][]) => {
      if (db.down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      db.batches.push(params[10] as string[]);
    }),
  };
  return db;
}

function request(id: string): [AuditedRequest, FastifyReply] {
  const req = {
    id,
    method: 'GET',
    ip: '127.0.0.1',
    headers: { 'x-account-id': '7', 'user-agent': 'spec', authorization: 'Bearer secret' },
    routeOptions: { url: '/teams' },
    user: { kind: 'user', email: 'a@example.com' },
  } as unknown as AuditedRequest;
  return [req, { statusCode: 200, elapsedTime: 1.5 } as FastifyReply];
}

describe('AccessLogRecorder buffer', () => {
  let db: ReturnType<typeof fakeDatabase>;
  let recorder: AccessLogRecorder;
  let warnings: string[];
  beforeEach(() => {
    db = fakeDatabase();
    recorder = new AccessLogRecorder(db as unknown as DataSource, loadConfig({ NODE_ENV: 'test' }));
    recorder.hookInstalled = true;
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown, context?: unknown) => {
      warnings.push(typeof message === 'string' ? message : String(context));
    });
  });
  afterEach(() => jest.restoreAllMocks());

  it('records a request once, whoever calls', async () => {
    const [req, reply] = request('r-1');
    recorder.record(req, reply);
    recorder.record(req, reply);
    await recorder.flush();
    expect(db.batches).toEqual([['r-1']]);
  });

  it('holds 10,000 records while the database is down, drops the oldest, counts and logs the drops, then writes the rest in batches', async () => {
    db.down = true;
    for (let i = 0; i < MAX_BUFFERED + 250; i++) recorder.record(...request(`r-${i}`));
    await recorder.flush();
    expect(recorder.stats()).toEqual({ buffered: MAX_BUFFERED, dropped: 250 });
    expect(warnings.some((w) => /250 records dropped/.test(w))).toBe(true);
    db.down = false;
    await recorder.flush();
    expect(recorder.stats()).toEqual({ buffered: 0, dropped: 250 });
    const written = db.batches.flat();
    expect(written).toHaveLength(MAX_BUFFERED);
    expect(written[0]).toBe('r-250'); // the oldest went first
    expect(written[written.length - 1]).toBe(`r-${MAX_BUFFERED + 249}`);
    expect(db.batches.length).toBeGreaterThan(1); // multi-row INSERTs of a bounded size
  });

  it('never throws into the request, and records nothing when ACCESS_LOG=false', async () => {
    const off = new AccessLogRecorder(db as unknown as DataSource, loadConfig({ NODE_ENV: 'test', ACCESS_LOG: 'false' }));
    off.record(...request('off'));
    await off.flush();
    expect(db.batches).toEqual([]);
    db.down = true;
    expect(() => recorder.record(...request('x'))).not.toThrow();
    await expect(recorder.flush()).resolves.toBeUndefined();
  });
});
