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

/** POST /leads as `api`; the created Lead (fails the test on anything but 201). */
export async function createLead(api: Client, body: Record<string, unknown> = MINIMAL_LEAD, query = ''): Promise<any> {
  const res = await api.post(`/leads${query}`, body);
  if (res.status !== 201) throw new Error(`createLead: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A lead row for `insertLeads`: column names as in the table; first_name/last_name/created_by default. */
export type LeadSeedRow = Partial<Record<
  | 'team_id' | 'lead_source_id' | 'first_name' | 'last_name' | 'email' | 'phone' | 'company' | 'process_stage'
  | 'assigned_to' | 'created_by' | 'archived' | 'created_at' | 'notes',
  string | number | boolean | null
>>;

/**
 * Inserts leads straight into the table, in one statement (fast, and able to give many leads one created_at);
 * returns their ids in the order given. No audit entries: for list tests only.
 */
export async function insertLeads(t: TestApp, accountId: string, rows: LeadSeedRow[]): Promise<number[]> {
  const filled = rows.map((r) => ({ first_name: 'Seed', last_name: 'Lead', created_by: 'seed@example.com', archived: false, ...r }));
  const inserted: { id: number }[] = await dataSourceOf(t).query(
    `INSERT INTO leads (account_id, team_id, lead_source_id, first_name, last_name, email, phone, company, process_stage,
                        assigned_to, created_by, archived, notes, created_at, updated_at)
     SELECT $1, team_id, lead_source_id, first_name, last_name, email, phone, company, process_stage,
            assigned_to, created_by, archived, notes, coalesce(created_at, clock_timestamp()), coalesce(created_at, clock_timestamp())
       FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (team_id int, lead_source_id int, first_name text, last_name text,
            email text, phone text, company text, process_stage text, assigned_to text, created_by text, archived boolean,
            notes text, created_at timestamptz)) WITH ORDINALITY AS x(team_id, lead_source_id, first_name, last_name, email, phone,
            company, process_stage, assigned_to, created_by, archived, notes, created_at, n)
      ORDER BY n
     RETURNING id`,
    [accountId, JSON.stringify(filled)],
  );
  return inserted.map((r) => r.id);
}
