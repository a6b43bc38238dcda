// The raw baseline: a minimal Fastify + pg server doing the same work as POST /leads in one transaction
// (membership lookup, team check, rotation step under a row lock, lead insert, audit insert) on its own
// schema. No framework, no validation library, no ORM: what the hardware allows.
//   node -r ts-node/register/transpile-only bench/baseline-server.ts  (env: DATABASE_URL, PORT, POOL_SIZE)
import Fastify from 'fastify';
import { Pool } from 'pg';

export const BASELINE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS memberships (account_id bigint, email text, role text, active boolean, PRIMARY KEY (account_id, email));
  CREATE TABLE IF NOT EXISTS teams (account_id bigint, id int, name text, PRIMARY KEY (account_id, id));
  CREATE TABLE IF NOT EXISTS rotations (account_id bigint, id int, team_id int, members text[], position bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, id));
  CREATE INDEX IF NOT EXISTS rotations_team ON rotations (account_id, team_id);
  CREATE TABLE IF NOT EXISTS leads (id bigserial PRIMARY KEY, account_id bigint NOT NULL, team_id int, first_name text NOT NULL,
    last_name text NOT NULL, email text, company text, phone text, assigned_to text, created_by text,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX IF NOT EXISTS leads_account_created ON leads (account_id, created_at DESC, id DESC);
  CREATE TABLE IF NOT EXISTS audit_log (id bigserial PRIMARY KEY, account_id bigint NOT NULL, event text, entity_id text, user_email text,
    data jsonb, created_at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX IF NOT EXISTS audit_entity ON audit_log (account_id, entity_id);
`;

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10) });
  const app = Fastify({ logger: false });

  app.post<{ Headers: { 'x-account-id': string; 'x-user': string }; Body: Record<string, unknown> }>('/leads', async (req, reply) => {
    const accountId = req.headers['x-account-id'];
    const user = req.headers['x-user'];
    const body = req.body;
    if (typeof body?.firstName !== 'string' || typeof body?.lastName !== 'string') return reply.code(400).send({ error: 'bad' });
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const member = await client.query('SELECT role FROM memberships WHERE account_id = $1 AND email = $2 AND active', [accountId, user]);
      if (member.rowCount === 0) {
        await client.query('ROLLBACK');
        return reply.code(403).send({ error: 'forbidden' });
      }
      const team = await client.query('SELECT id FROM teams WHERE account_id = $1 AND id = $2', [accountId, body.teamId]);
      if (team.rowCount === 0) {
        await client.query('ROLLBACK');
        return reply.code(400).send({ error: 'team not found' });
      }
      const rotation = await client.query(
        'SELECT id, members, position FROM rotations WHERE account_id = $1 AND team_id = $2 FOR UPDATE',
        [accountId, body.teamId],
      );
      let assignedTo: string | null = null;
      if (rotation.rowCount) {
        const r = rotation.rows[0];
        assignedTo = r.members[Number(r.position) % r.members.length];
        await client.query('UPDATE rotations SET position = position + 1 WHERE account_id = $1 AND id = $2', [accountId, r.id]);
      }
      const lead = await client.query(
        `INSERT INTO leads (account_id, team_id, first_name, last_name, email, company, phone, assigned_to, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [accountId, body.teamId, body.firstName, body.lastName, body.email ?? null, body.company ?? null, body.phone ?? null, assignedTo, user],
      );
      const audit = await client.query(
        `INSERT INTO audit_log (account_id, event, entity_id, user_email, data) VALUES ($1, 'lead_created', $2, $3, $4) RETURNING *`,
        [accountId, String(lead.rows[0].id), user, JSON.stringify(body)],
      );
      await client.query('COMMIT');
      return reply.code(201).send({ ...lead.rows[0], auditLog: audit.rows });
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  });

  app.get('/health', async () => ({ status: 'ok' }));
  await app.listen({ port: Number(process.env.PORT ?? 3100), host: '127.0.0.1' });
  process.on('SIGTERM', () => app.close().then(() => pool.end()).then(() => process.exit(0)));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
