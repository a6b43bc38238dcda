import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs SQL and returns its rows, whatever the statement: TypeORM's postgres driver answers
 * UPDATE/DELETE with `[rows, rowCount]` but SELECT/INSERT with `rows`.
 */
export async function sqlRows<T>(db: EntityManager | DataSource, text: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await db.query(text, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
