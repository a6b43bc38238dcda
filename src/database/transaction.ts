import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { sqlState } from '../common/filters/database-errors';

/**
 * How many times a transaction runs at most when PostgreSQL aborts it as a deadlock victim (40P01) or for a
 * serialization failure (40001). Such an abort rolls the whole transaction back, and running it again is the
 * remedy PostgreSQL documents; the client would only have done the same after a 409.
 */
export const TRANSACTION_ATTEMPTS = 3;
const RETRYABLE_STATES = new Set(['40P01', '40001']);
/** First pause before a retry; each later one doubles, with ±50% jitter so the two victims do not meet again. */
const RETRY_PAUSE_MS = 10;

const logger = new Logger('Transactions');

/**
 * Thrown by a transaction's work to have the transaction rolled back, its connection given back to the pool,
 * and the work run again (in a new transaction) once `pause` resolves. For waits that must not hold a
 * connection (an Idempotency-Key another request holds): whoever throws it bounds the total wait itself.
 */
export class RunAgainLater extends Error {
  constructor(readonly pause: () => Promise<void>) {
    super('transaction to be run again later');
  }
}

export type TransactionWork<T> = (m: EntityManager) => Promise<T>;

/**
 * The one way Lead Desk runs a transaction: `dataSource.transaction` (READ COMMITTED unless an isolation level
 * is given), run again up to TRANSACTION_ATTEMPTS times in all after a deadlock or serialization failure, and
 * run again after a `RunAgainLater`. The work must therefore be safe to run twice: everything it wrote in the
 * database was rolled back; what it kept in memory must not depend on a commit (nothing in Lead Desk does).
 */
export function runTransaction<T>(dataSource: DataSource, work: TransactionWork<T>): Promise<T>;
export function runTransaction<T>(dataSource: DataSource, isolation: IsolationLevel, work: TransactionWork<T>): Promise<T>;
export async function runTransaction<T>(dataSource: DataSource, a: IsolationLevel | TransactionWork<T>, b?: TransactionWork<T>): Promise<T> {
  const [isolation, work] = typeof a === 'function' ? [undefined, a] : [a, b!];
  for (;;) {
    try {
      return await withConflictRetries(() => (isolation ? dataSource.transaction(isolation, work) : dataSource.transaction(work)));
    } catch (error) {
      if (!(error instanceof RunAgainLater)) throw error;
      await error.pause();
    }
  }
}

/**
 * Runs `attempt` again, up to TRANSACTION_ATTEMPTS times in all, while it fails with a deadlock or a
 * serialization failure. For a whole transaction (runTransaction), or a single autocommit statement: either
 * way PostgreSQL has rolled back everything it did, so running it again cannot write anything twice.
 */
export async function withConflictRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const state = sqlState(error);
      if (!state || !RETRYABLE_STATES.has(state) || n >= TRANSACTION_ATTEMPTS) throw error;
      logger.warn(`transaction aborted (SQLSTATE ${state}), running it again (attempt ${n + 1} of ${TRANSACTION_ATTEMPTS})`);
      await sleep(retryPause(n));
    }
  }
}

/**
 * Runs `work` inside a savepoint of the transaction `m`: when it throws, everything it wrote is undone (ROLLBACK TO
 * SAVEPOINT) and the error rethrown, and the transaction can go on with its other work (TransactionUnusable
 * instead when even the rollback fails). For a transaction that
 * handles several independent items (a background job's run), so one that fails does not undo the others.
 */
export async function withSavepoint<T>(m: EntityManager, work: () => Promise<T>): Promise<T> {
  await m.query('SAVEPOINT lead_desk_item');
  try {
    const result = await work();
    await m.query('RELEASE SAVEPOINT lead_desk_item');
    return result;
  } catch (error) {
    try {
      await m.query('ROLLBACK TO SAVEPOINT lead_desk_item');
    } catch (cause) {
      throw new TransactionUnusable(cause); // the connection or the transaction is gone: nothing more can run in it
    }
    throw error;
  }
}

/** A savepoint could not be rolled back to: the transaction cannot go on (its connection is lost). */
export class TransactionUnusable extends Error {
  constructor(readonly cause: unknown) {
    super('the transaction cannot go on');
  }
}

/** The pause before attempt `attempt + 1`: 10 ms, then 20 ms, ... each ±50%. */
export function retryPause(attempt: number): number {
  const base = RETRY_PAUSE_MS * 2 ** (attempt - 1);
  return base * (0.5 + Math.random());
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
