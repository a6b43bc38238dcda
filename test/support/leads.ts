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
  return inserted.map((r) => Number(r.id)); // int8 comes back as a string
}

/** Picks from a SQL array literal by a hash column: `pick(NAMES, 'h.h3', 60)`. */
const pick = (values: readonly string[], hash: string) =>
  `(ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}])[1 + (${hash} % ${values.length})::int]`;

export const VOLUME_FIRST_NAMES = ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Christopher', 'Lisa', 'Daniel', 'Nancy', 'Matthew', 'Betty', 'Anthony', 'Margaret', 'Mark', 'Sandra', 'Donald', 'Ashley', 'Steven', 'Kimberly', 'Paul', 'Emily', 'Andrew', 'Donna', 'Joshua', 'Michelle', 'Kenneth', 'Carol', 'Kevin', 'Amanda', 'Brian', 'Dorothy', 'George', 'Melissa', 'Timothy', 'Deborah', 'Ronald', 'Stephanie', 'Edward', 'Rebecca', 'Jason', 'Sharon', 'Jeffrey', 'Laura', 'Ryan', 'Cynthia'];
export const VOLUME_LAST_NAMES = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Gomez', 'Phillips', 'Evans', 'Turner', 'Diaz', 'Parker', 'Cruz', 'Edwards', 'Collins', 'Reyes', 'Stewart', 'Morris', 'Morales', 'Murphy', 'Cook', 'Rogers', 'Gutierrez', 'Ortiz', 'Morgan', 'Cooper', 'Peterson', 'Bailey', 'Reed', 'Kelly', 'Howard', 'Ramos', 'Kim', 'Cox', 'Ward', 'Richardson', 'Watson', 'Brooks', 'Chavez', 'Wood', 'James', 'Bennett', 'Gray', 'Mendoza', 'Ruiz', 'Hughes', 'Price', 'Alvarez', 'Castillo', 'Sanders', 'Patel', 'Myers', 'Long', 'Ross', 'Foster', 'Jimenez'];
const VOLUME_COMPANY_FIRST = ['Blue', 'Red', 'Green', 'Silver', 'Golden', 'North', 'South', 'East', 'West', 'Prime', 'Alpha', 'Beta', 'Delta', 'Omega', 'Summit', 'Harbor', 'River', 'Stone', 'Maple', 'Cedar', 'Pine', 'Oak', 'Iron', 'Bright', 'Swift', 'Nova', 'Apex', 'Vertex', 'Pioneer', 'Liberty', 'Eagle', 'Falcon', 'Lion', 'Tiger', 'Bear', 'Wolf', 'Fox', 'Hawk', 'Orca', 'Lynx'];
const VOLUME_COMPANY_SECOND = ['Bakery', 'Coffee', 'Motors', 'Dental', 'Fitness', 'Salon', 'Pharmacy', 'Hardware', 'Books', 'Florist', 'Grill', 'Pizza', 'Tacos', 'Sushi', 'Bistro', 'Garage', 'Plumbing', 'Electric', 'Roofing', 'Cleaning', 'Logistics', 'Travel', 'Realty', 'Insurance', 'Consulting'];
const VOLUME_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'acme.io', 'example.com', 'hotmail.com', 'icloud.com', 'fastmail.fm', 'proton.me', 'corp.net'];
export const VOLUME_STAGES = ['new', 'contacted', 'qualified', 'proposal', 'negotiation', 'won'];
/** 20 assignees, agent0@volume.test … agent19@volume.test; 5 creators, creator0@ … creator4@volume.test. */
export const volumeAssignee = (i: number) => `agent${i}@volume.test`;
export const volumeCreator = (i: number) => `creator${i}@volume.test`;

/**
 * Inserts `count` leads into one account in a single INSERT … SELECT over generate_series (a few seconds for
 * 200,000 when the table's secondary indexes are not there yet): realistic names, emails, companies and phones
 * spread by hashing the row number, the account's live teams and their sources (each team with the same number
 * of sources, or none), 20 assignees, 6 stages,
 * 5 creators, 1 lead in 10 archived, one lead every 31 seconds back from `newest`. Row 1 is the newest.
 */
export async function loadLeadVolume(db: DataSource, accountId: string, count: number, newest = '2026-01-01T00:00:00Z'): Promise<void> {
  await db.query(
    `WITH teams AS (SELECT array_agg(id ORDER BY id) AS ids FROM teams WHERE account_id = $1 AND deleted_at IS NULL),
          sources AS (SELECT array_agg(id ORDER BY team_id, id) AS ids, count(*) / greatest(count(DISTINCT team_id), 1) AS per_team
                        FROM lead_sources WHERE account_id = $1 AND deleted_at IS NULL)
     INSERT INTO leads (account_id, team_id, lead_source_id, first_name, last_name, email, phone, company, process_stage,
                        assigned_to, created_by, archived, created_at, updated_at)
     SELECT $1,
            teams.ids[1 + t.ti],
            CASE WHEN h.h2 % 5 = 0 OR sources.per_team = 0 THEN NULL ELSE sources.ids[1 + t.ti * sources.per_team + (h.h2 % sources.per_team)::int] END,
            f.first, l.last,
            lower(f.first) || '.' || lower(l.last) || g.i || '@' || ${pick(VOLUME_DOMAINS, 'h.h3')},
            '+1 ' || (200 + h.h1 % 800) || ' ' || lpad((h.h2 % 10000000)::text, 7, '0'),
            ${pick(VOLUME_COMPANY_FIRST, 'h.h4')} || ' ' || ${pick(VOLUME_COMPANY_SECOND, '(h.h4 / 40)')} || ' ' || ${pick(['Inc', 'LLC', 'Ltd', 'Co', 'Group'], '(h.h4 / 1000)')},
            ${pick(VOLUME_STAGES, '(h.h1 / 7)')},
            'agent' || (h.h3 / 10 % 20) || '@volume.test',
            'creator' || (h.h2 / 7 % 5) || '@volume.test',
            h.h1 % 10 = 0,
            $3::timestamptz - g.i * interval '31 seconds', $3::timestamptz - g.i * interval '31 seconds'
       FROM generate_series(1, $2::int) AS g(i)
      CROSS JOIN teams CROSS JOIN sources
      -- four independent hashes of the row number (PostgreSQL's own 64-bit integer hash, seeded)
      CROSS JOIN LATERAL (SELECT abs(hashint8extended(g.i, 1)) AS h1, abs(hashint8extended(g.i, 2)) AS h2,
                                 abs(hashint8extended(g.i, 3)) AS h3, abs(hashint8extended(g.i, 4)) AS h4) h
      CROSS JOIN LATERAL (SELECT CASE WHEN teams.ids IS NULL THEN NULL ELSE (h.h1 / 13 % cardinality(teams.ids))::int END AS ti) t
      CROSS JOIN LATERAL (SELECT ${pick(VOLUME_FIRST_NAMES, 'h.h3')} AS first) f
      CROSS JOIN LATERAL (SELECT ${pick(VOLUME_LAST_NAMES, '(h.h2 / 3)')} AS last) l`,
    [accountId, count, newest],
  );
}
