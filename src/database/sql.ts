import { createHash } from 'node:crypto';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { defineSql, type NamedStatement } from './named-sql';

/**
 * A raw statement with named parameters (`P`) and typed result rows (`R`): what the `*.queries.ts` files
 * define and `sqlRows` / `preparedRows` run. `R` is only a type; the rows are what PostgreSQL returns.
 */
export interface Query<P extends object, R> extends NamedStatement<P> {
  /** Never set: carries the row type from the definition to the call. */
  readonly __row?: R;
}

/** Defines (and registers, for the snapshots) a statement with named parameters and its row type. */
export function defineQuery<P extends object, R>(id: string, text: string): Query<P, R> {
  return defineSql<P>(id, text) as Query<P, R>;
}

type Db = EntityManager | DataSource;

/** TypeORM's postgres driver answers UPDATE/DELETE with `[rows, rowCount]` but SELECT/INSERT with `rows`. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** Runs a statement (unprepared) with its named values and returns its rows, whatever the statement. */
export async function sqlRows<P extends object, R>(db: Db, statement: Query<P, R>, values: P): Promise<R[]> {
  return rowsOf<R>(await db.query(statement.text, statement.bind(values)));
}

interface PgQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

const statementNames = new Map<string, string>();

/** A stable statement name per SQL text (so one name never stands for two texts on a connection). */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) statementNames.set(text, (name = `ld_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`));
  return name;
}

/**
 * Runs a hot-path statement as a named prepared statement: PostgreSQL parses and plans it once per
 * connection instead of on every call. Inside a transaction (`db` a transactional EntityManager) it runs
 * on that transaction's connection; otherwise on any pooled connection. Driver errors come through as
 * node-postgres raises them (with `code` = SQLSTATE), not wrapped by TypeORM.
 */
export async function preparedRows<P extends object, R>(db: Db, statement: Query<P, R>, values: P): Promise<R[]> {
  const { text } = statement;
  const params = statement.bind(values);
  const runner = 'queryRunner' in db ? (db.queryRunner as (QueryRunner & { databaseConnection?: PgQueryable }) | undefined) : undefined;
  let target: PgQueryable;
  if (runner) {
    target = runner.databaseConnection ?? ((await runner.connect()) as PgQueryable);
  } else {
    target = (('driver' in db ? db : db.connection).driver as unknown as { master: PgQueryable }).master;
  }
  const dataSource = runner ? runner.connection : 'driver' in db ? db : db.connection;
  // Behind a transaction-mode pooler (DATABASE_POOL_MODE=transaction) a named statement prepared on one server
  // connection is not there on the next: the statement goes unnamed (parsed and planned on every call).
  const result = await target.query(namedStatementsOn(dataSource) ? { name: statementName(text), text, values: params } : { text, values: params } as never);
  return result.rows as R[];
}

/** The marker `openDatabase` puts in the pool options (`extra`) of a DataSource for DATABASE_POOL_MODE=transaction. */
export const POOL_MODE_OPTION = 'leadDeskPoolMode';

/**
 * Whether statements may be prepared by name on `dataSource`'s connections: not behind a transaction-mode
 * pooler (PgBouncer 1.18 keeps no prepared statement across transactions).
 */
export function namedStatementsOn(dataSource: DataSource): boolean {
  return (dataSource.options as { extra?: Record<string, unknown> } | undefined)?.extra?.[POOL_MODE_OPTION] !== 'transaction';
}
