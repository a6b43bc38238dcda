import { createHash } from 'node:crypto';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * Runs SQL and returns its rows, whatever the statement: TypeORM's postgres driver answers
 * UPDATE/DELETE with `[rows, rowCount]` but SELECT/INSERT with `rows`.
 */
export async function sqlRows<T>(db: EntityManager | DataSource, text: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await db.query(text, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

const statementNames = new Map<string, string>();

/** A stable statement name per SQL text (so one name never stands for two texts on a connection). */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) statementNames.set(text, (name = `ld_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`));
  return name;
}

interface PgQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs a hot-path statement as a named prepared statement: PostgreSQL parses and plans it once per
 * connection instead of on every call. Inside a transaction (`db` a transactional EntityManager) it runs
 * on that transaction's connection; otherwise on any pooled connection. Driver errors come through as
 * node-postgres raises them (with `code` = SQLSTATE), not wrapped by TypeORM.
 */
export async function preparedRows<T>(db: EntityManager | DataSource, text: string, params: unknown[] = []): Promise<T[]> {
  const runner = 'queryRunner' in db ? (db.queryRunner as (QueryRunner & { databaseConnection?: PgQueryable }) | undefined) : undefined;
  let target: PgQueryable;
  if (runner) {
    target = runner.databaseConnection ?? ((await runner.connect()) as PgQueryable);
  } else {
    const dataSource = 'driver' in db ? db : db.connection;
    target = (dataSource.driver as unknown as { master: PgQueryable }).master;
  }
  const result = await target.query({ name: statementName(text), text, values: params });
  return result.rows as T[];
}
