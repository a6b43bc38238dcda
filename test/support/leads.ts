import { DataSource } from 'typeorm';
import type { TestApp } from './app';
import type { Client } from './http';

/** The smallest valid LeadInput. */
export const MINIMAL_LEAD = { firstName: 'Ada', lastName: 'Lovelace' } as const;

/** The app's own DataSource, for looking behind the API (counts, raw statements the API refuses). */
export function dataSourceOf(t: TestApp): DataSource {
  return t.app.get(DataSource);
}

export async function createTeam(api: Client, name = `Team ${Math.random().toString(36).slice(2, 8)}`): Promise<number> {
  const res = await api.post('/teams', { name });
  if (res.status !== 201) throw new Error(`createTeam: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function createLeadSource(api: Client, teamId: number, name = `Source ${Math.random().toString(36).slice(2, 8)}`): Promise<number> {
  const res = await api.post(`/teams/${teamId}/lead-sources`, { name });
  if (res.status !== 201) throw new Error(`createLeadSource: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function createRotation(api: Client, members: string[], teamId?: number): Promise<number> {
  const res = await api.post('/rotations', { name: `Rotation ${Math.random().toString(36).slice(2, 8)}`, teamId, members: members.map((user) => ({ user })) });
  if (res.status !== 201) throw new Error(`createRotation: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** Leads of the account, counted in the database. */
export async function countLeads(t: TestApp, accountId: string): Promise<number> {
  const [row] = await dataSourceOf(t).query('SELECT count(*)::int AS n FROM leads WHERE account_id = $1', [accountId]);
  return row.n;
}

/** Audit entries of the account, counted in the database. */
export async function countAuditEntries(t: TestApp, accountId: string, event?: string): Promise<number> {
  const [row] = await dataSourceOf(t).query(
    'SELECT count(*)::int AS n FROM audit_log WHERE account_id = $1 AND ($2::text IS NULL OR event = $2)',
    [accountId, event ?? null],
  );
  return row.n;
}
