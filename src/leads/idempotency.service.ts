import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { sqlRows } from '../database/sql';
import { RunAgainLater, sleep } from '../database/transaction';
import { PURGE_EXPIRED, STORE_ANSWER, STORED_ANSWER, TRY_LOCK_KEY } from './idempotency.queries';
import type { IdempotentRequest } from './idempotency';
import { IdempotencyErrors } from './leads.errors';

/** A stored answer: what a repeated request gets again. */
export interface StoredResponse<T = unknown> {
  status: number;
  body: T;
}

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL = '24 hours';
/** How long a request waits for the one running with its key before answering 409. */
export const IDEMPOTENCY_WAIT_MS = 10_000;
/** A waiter looks again after this pause, growing by half each time up to the cap (with jitter). */
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;
/** Expired keys purged per stored answer (bounded, so no request pays for a large backlog). */
const PURGE_BATCH = 100;

/**
 * Idempotency-Key, in the transaction of the change itself:
 *
 * 1. `claim` takes a transaction-scoped advisory lock on (account, key) if it is free, so requests with one key
 *    run one after the other, in every server process; then it looks for the key's stored answer (READ
 *    COMMITTED: the statement after the lock sees what the previous holder committed).
 *    If another transaction holds the key, `claim` does not wait for it inside the transaction: it throws
 *    `RunAgainLater`, so `runTransaction` rolls back, gives the connection back to the pool, pauses (10 ms,
 *    growing to 200 ms) and runs the whole transaction again. A waiter therefore holds no connection (ten
 *    retries of one slow key cannot starve the pool), and no lock outlives a transaction (safe behind
 *    PgBouncer in transaction mode). After IDEMPOTENCY_WAIT_MS of waiting it answers 409.
 * 2. The caller does its work and calls `complete` with its 2xx answer, which is stored in the same
 *    transaction: the change and its answer commit together. An error rolls both back, so the key may be
 *    retried after a 4xx or 5xx.
 */
@Injectable()
export class IdempotencyService {
  /** When each request still waiting for its key first found it taken, and how many times it has looked. */
  private readonly waits = new WeakMap<IdempotentRequest, { since: number; polls: number }>();

  /**
   * The stored answer for the same request (a replay), null when the key is new or expired;
   * 409 when the key was used for a different request, or when the request running with it does not
   * finish within IDEMPOTENCY_WAIT_MS. Must run inside `runTransaction` (see above).
   */
  async claim<T>(m: EntityManager, accountId: string, request: IdempotentRequest): Promise<StoredResponse<T> | null> {
    const [{ locked }] = await sqlRows(m, TRY_LOCK_KEY, { lockName: idempotencyLockName(accountId, request.key) });
    if (!locked) throw this.waitForKey(request);
    this.waits.delete(request);
    const [row] = await sqlRows(m, STORED_ANSWER, { accountId, key: request.key, ttl: IDEMPOTENCY_TTL });
    if (!row) return null;
    if (row.request_hash !== request.fingerprint) throw IdempotencyErrors.reusedWithDifferentRequest();
    return { status: row.response_status, body: row.response_body as T };
  }

  /** RunAgainLater with the next pause, or 409 once the request has waited IDEMPOTENCY_WAIT_MS. */
  private waitForKey(request: IdempotentRequest): Error {
    const now = Date.now();
    let wait = this.waits.get(request);
    if (!wait) this.waits.set(request, (wait = { since: now, polls: 0 }));
    const left = wait.since + IDEMPOTENCY_WAIT_MS - now;
    if (left <= 0) {
      this.waits.delete(request);
      return IdempotencyErrors.stillRunning();
    }
    const pause = Math.min(FIRST_POLL_MS * 1.5 ** wait.polls++, MAX_POLL_MS) * (0.75 + Math.random() / 2);
    return new RunAgainLater(() => sleep(Math.min(pause, left)));
  }

  /** Stores the answer of a request that `claim` let through (replacing an expired row of the key). */
  async complete(m: EntityManager, accountId: string, request: IdempotentRequest, response: StoredResponse): Promise<void> {
    const stored = await sqlRows(m, STORE_ANSWER, {
      accountId,
      key: request.key,
      fingerprint: request.fingerprint,
      status: response.status,
      body: JSON.stringify(response.body),
      ttl: IDEMPOTENCY_TTL,
    });
    // claim() holds the key's lock and found no live row, so one was written; anything else is a bug.
    if (stored.length !== 1) throw new Error(`idempotency key of account ${accountId} was not stored`);
    await this.purgeExpired(m, accountId);
  }

  /**
   * Deletes a bounded batch of the account's expired keys. Last in the transaction and SKIP LOCKED, so it never
   * waits: a row lock it takes can only make another transaction wait for this one's commit, never form a
   * cycle (done earlier, while this transaction still had the rotation's lock to take, it could deadlock with
   * a request replacing one of those expired keys).
   */
  private async purgeExpired(m: EntityManager, accountId: string): Promise<void> {
    await sqlRows(m, PURGE_EXPIRED, { accountId, ttl: IDEMPOTENCY_TTL, batch: PURGE_BATCH });
  }
}

/** The advisory lock's name; hashed to 64 bits by PostgreSQL (a collision only makes two keys wait on each other). */
export function idempotencyLockName(accountId: string, key: string): string {
  return `idempotency-key:${accountId}:${key}`;
}
