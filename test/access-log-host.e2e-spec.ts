// The access log inside a host application: Lead Desk's own routes are recorded (refusals by its guards
// included, each once) and answer x-request-id; the host's routes are the host's and are not recorded.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LeadDeskModule, signLeadDeskToken } from '../src';
import { AccessLogRecorder } from '../src/access-log/access-log-recorder';
import { openDatabase, type OpenedDatabase } from '../src/database/data-source-options';
import { leadDeskConfig } from '../src/lead-desk.options';
import { testConfig } from './support/app';
import { newEmail } from './support/builders';
import { call } from './support/http';
import { removePgliteDataDir, seedPgliteDataDir } from './support/test-database';

const JWT = { secret: 'host-access-log-secret-0123456789' };

@Controller('host')
class HostController {
  @Get('ping')
  ping(): { ok: true } {
    return { ok: true };
  }
}

describe('access log in a host application (LeadDeskModule)', () => {
  let app: NestFastifyApplication;
  let opened: OpenedDatabase;
  let dataDir: string | undefined;

  beforeAll(async () => {
    const database = testConfig().database; // the run's migrated database (a fresh copy of it on PGlite)
    if (!database.url) {
      dataDir = database.dataDir;
      seedPgliteDataDir(dataDir);
    }
    opened = await openDatabase(database);
    @Module({
      imports: [TypeOrmModule.forRoot({ ...opened.options, autoLoadEntities: true }), LeadDeskModule.forRoot({ jwt: JWT, rateLimit: { perMinute: 0, anonPerMinute: 0 } })],
      controllers: [HostController],
    })
    class HostModule {}
    app = await NestFactory.create<NestFastifyApplication>(HostModule, new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app?.close();
    await opened?.close();
    if (dataDir) removePgliteDataDir(dataDir);
  });

  it('records each request to a Lead Desk route once, refusals included, and none of the host\'s', async () => {
    const owner = signLeadDeskToken(JWT, newEmail('owner'));
    const id = (label: string) => `host-${label}-${randomBytes(5).toString('hex')}`;
    const created = await call(app, { method: 'POST', url: '/accounts', token: owner, body: { name: 'Hosted' }, headers: { 'x-request-id': id('create') } });
    expect(created.status).toBe(201);
    const account: string = created.body.id;
    const cases: [string, number, Record<string, unknown>][] = [];
    const send = async (label: string, expected: number, c: Parameters<typeof call>[1], row: Record<string, unknown>) => {
      const requestId = id(label);
      const res = await call(app, { ...c, headers: { ...(c.headers ?? {}), 'x-request-id': requestId } });
      expect({ label, status: res.status }).toEqual({ label, status: expected });
      expect(res.headers['x-request-id']).toBe(requestId);
      cases.push([requestId, expected, row]);
    };
    await send('ok', 200, { method: 'GET', url: '/teams', token: owner, account }, { route: '/teams', account_id: account });
    await send('unauthenticated', 401, { method: 'GET', url: '/teams', account }, { route: '/teams', user_email: null, account_id: account });
    await send('stranger', 403, { method: 'GET', url: '/teams', token: signLeadDeskToken(JWT, newEmail('stranger')), account }, { account_id: account });
    await send('missing', 404, { method: 'GET', url: '/teams/99999999', token: owner, account }, { route: '/teams/:id' });
    await send('invalid', 400, { method: 'POST', url: '/teams', token: owner, account, body: { name: '' } }, { route: '/teams' });
    const hostId = id('host');
    expect((await call(app, { method: 'GET', url: '/host/ping', headers: { 'x-request-id': hostId } })).status).toBe(200);

    const recorder = app.get(AccessLogRecorder, { strict: false });
    const ids = [...cases.map(([requestId]) => requestId), hostId];
    let rows: { request_id: string; status: number }[] = [];
    for (const deadline = Date.now() + 5000; rows.length < cases.length && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 20));
      await recorder.flush();
      rows = await app.get(DataSource).query(`SELECT request_id, status, route, user_email, account_id::text FROM access_log WHERE request_id = ANY($1)`, [ids]);
    }
    for (const [requestId, status, row] of cases) {
      const mine = rows.filter((r) => r.request_id === requestId);
      expect({ requestId, count: mine.length }).toEqual({ requestId, count: 1 });
      expect(mine[0]).toMatchObject({ status, ...row });
    }
    expect(rows.filter((r) => r.request_id === hostId)).toEqual([]);
  });

  it('takes the seal key and the access-log settings from the options, naming bad ones', () => {
    const config = leadDeskConfig({ jwt: JWT, audit: { sealKey: 'a-host-seal-key-0123456789', sealIntervalS: 30 }, accessLog: { enabled: false, retentionDays: 7 } });
    expect(config.auditSeal).toEqual({ key: 'a-host-seal-key-0123456789', intervalS: 30 });
    expect(config.accessLog).toEqual({ enabled: false, retentionDays: 7 });
    expect(leadDeskConfig({ jwt: JWT }).accessLog).toEqual({ enabled: true, retentionDays: 30 });
    expect(() => leadDeskConfig({ jwt: JWT, audit: { sealKey: 'short', sealIntervalS: 0 }, accessLog: { retentionDays: 0 } })).toThrow(
      /audit\.sealKey[\s\S]*audit\.sealIntervalS[\s\S]*accessLog\.retentionDays/,
    );
  });
});
