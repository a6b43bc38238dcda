import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { call } from './support/http';
import { countLeads, createLead, dataSourceOf, MINIMAL_LEAD } from './support/leads';

/**
 * Values the database would refuse (past an integer column's range, a date PostgreSQL cannot hold, text it
 * cannot store) are refused by validation first, with a 400 naming the field: a value that reaches the
 * database and fails there is a server bug (500), so none may get that far.
 */
describe('input bounds: validation refuses what the database cannot hold', () => {
  let t: TestApp;
  let account: TestAccount;
  let leadId: number;
  beforeAll(async () => {
    t = await startTestApp();
    account = await createAccount(t);
    leadId = (await createLead(account.owner.api)).id;
  });
  afterAll(() => t.close());

  const INT4_PAST = 2_147_483_648;
  const lead = (extra: Record<string, unknown>) => ({ ...MINIMAL_LEAD, ...extra });

  type Case = [name: string, method: 'GET' | 'POST' | 'PATCH', url: string, body: unknown, field: string];
  const cases: Case[] = [
    ['POST /leads teamId past int4', 'POST', '/leads', lead({ teamId: INT4_PAST }), 'teamId'],
    ['POST /leads leadSourceId past int4', 'POST', '/leads', lead({ leadSourceId: INT4_PAST }), 'leadSourceId'],
    ['POST /leads numberOfEmployees past int4', 'POST', '/leads', lead({ numberOfEmployees: INT4_PAST }), 'numberOfEmployees'],
    ['POST /leads numberOfEmployees negative', 'POST', '/leads', lead({ numberOfEmployees: -1 }), 'numberOfEmployees'],
    ['POST /leads monthlyTransactionVolume past 2^53', 'POST', '/leads', lead({ monthlyTransactionVolume: 2 ** 63 }), 'monthlyTransactionVolume'],
    ['POST /leads lastContacted in year 0', 'POST', '/leads', lead({ lastContacted: '0000-01-01T00:00:00Z' }), 'lastContacted'],
    ['POST /leads lastContacted on 30 February', 'POST', '/leads', lead({ lastContacted: '2025-02-30T00:00:00Z' }), 'lastContacted'],
    ['POST /leads lastContacted at hour 25', 'POST', '/leads', lead({ lastContacted: '2025-01-01T25:00:00Z' }), 'lastContacted'],
    ['POST /leads lastContacted with offset +24:00', 'POST', '/leads', lead({ lastContacted: '2025-01-01T00:00:00+24:00' }), 'lastContacted'],
    ['POST /leads firstName with a NUL character', 'POST', '/leads', lead({ firstName: 'A\u0000da' }), 'firstName'],
    ['POST /leads notes with a NUL character', 'POST', '/leads', lead({ notes: 'x\u0000' }), 'notes'],
    ['POST /leads company past 255 characters', 'POST', '/leads', lead({ company: 'c'.repeat(256) }), 'company'],
    ['PATCH /leads/{id} teamId past int4', 'PATCH', '/leads/:lead', { teamId: INT4_PAST }, 'teamId'],
    ['PATCH /leads/{id} lastContacted in year 0', 'PATCH', '/leads/:lead', { lastContacted: '0000-01-01T00:00:00Z' }, 'lastContacted'],
    ['PATCH /leads/{id} phone with a NUL character', 'PATCH', '/leads/:lead', { phone: '\u0000' }, 'phone'],
    ['GET /leads teamId past int4', 'GET', '/leads?teamId=2147483648', undefined, 'teamId'],
    ['GET /leads createdFrom in year 0', 'GET', '/leads?createdFrom=0000-01-01', undefined, 'createdFrom'],
    ['GET /leads createdTo in year 0', 'GET', '/leads?createdTo=0000-01-01T00:00:00Z', undefined, 'createdTo'],
    ['GET /leads processStage with a NUL character', 'GET', '/leads?processStage=a%00b', undefined, 'processStage'],
    ['GET /audit-logs from in year 0', 'GET', '/audit-logs?from=0000-01-01', undefined, 'from'],
    ['GET /audit-logs entityId with a NUL character', 'GET', '/audit-logs?entityId=a%00', undefined, 'entityId'],
    ['GET /audit-logs user with a NUL character', 'GET', '/audit-logs?user=a%00', undefined, 'user'],
    ['POST /rotations teamId past int4', 'POST', '/rotations', { name: 'R', teamId: INT4_PAST, members: [{ user: 'a@example.com' }] }, 'teamId'],
    ['POST /teams name with a NUL character', 'POST', '/teams', { name: 'T\u0000' }, 'name'],
    ['POST /accounts name with a NUL character', 'POST', '/accounts', { name: 'A\u0000' }, 'name'],
    ['POST /api-keys name with a NUL character', 'POST', '/api-keys', { name: 'K\u0000', role: 'agent' }, 'name'],
    ['POST /leads/{id}/convert applicationId with a NUL character', 'POST', '/leads/:lead/convert', { applicationId: 'a\u0000' }, 'applicationId'],
  ];

  it.each(cases)('%s → 400 naming the field, nothing written', async (_name, method, url, body, field) => {
    const before = await countLeads(t, account.id);
    const res = await call(t.app, { method, url: url.replace(':lead', String(leadId)), token: account.owner.token, account: account.id, body });
    expect({ status: res.status, fields: (res.body.details ?? []).map((d: { field: string }) => d.field) }).toEqual({ status: 400, fields: [field] });
    expect(res.body.error).toEqual(expect.any(String));
    expect(await countLeads(t, account.id)).toBe(before);
  });

  it.each([
    ['GET /leads/{id} past int4', 'GET', '/leads/2147483648', 400],
    ['GET /teams/{id} in exponent form', 'GET', '/teams/1e3', 400],
    ['DELETE /rotations/{id} negative', 'DELETE', '/rotations/-1', 400],
    ['PATCH /members/{email} with a NUL character', 'PATCH', '/members/a%00b@example.com', 400],
    ['PATCH /accounts/{id} past bigint (another account: not found)', 'PATCH', '/accounts/99999999999999999999999', 404],
  ] as const)('path: %s → %i, nothing reaches the database that it would refuse', async (_name, method, url, status) => {
    const res = await call(t.app, { method, url, token: account.owner.token, account: account.id, body: method === 'PATCH' ? { name: 'x' } : undefined });
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: expect.any(String) });
  });

  it('the edges themselves are accepted: int4 and 2^53 - 1 maxima, years 1000 and 9999', async () => {
    const res = await account.owner.api.post(
      '/leads',
      lead({ numberOfEmployees: INT4_PAST - 1, monthlyTransactionVolume: Number.MAX_SAFE_INTEGER, lastContacted: '1000-01-01T00:00:00Z' }),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ numberOfEmployees: INT4_PAST - 1, monthlyTransactionVolume: Number.MAX_SAFE_INTEGER });
    expect(new Date(res.body.lastContacted).toISOString()).toBe('1000-01-01T00:00:00.000Z');
    const late = await account.owner.api.patch(`/leads/${res.body.id}`, { lastContacted: '9999-12-31T23:59:59.999999+14:00' });
    expect(late.status).toBe(200);
    const [{ n }] = await dataSourceOf(t).query('SELECT count(*)::int AS n FROM leads WHERE account_id = $1 AND id = $2', [account.id, res.body.id]);
    expect(n).toBe(1);
  });
});
