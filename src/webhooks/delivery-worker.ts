import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { sqlRows } from '../database/sql';
import { runTransaction } from '../database/transaction';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ATTEMPT_TIMEOUT_MS, postEvent, type AttemptOutcome, type Agents } from './delivery-client';
import type { DestinationPolicy } from './destination-guard';
import { signatureHeader } from './signature';
import { WebhookAttempts } from './webhook-observers';
import { CLAIM, DROP_CLAIMED, ENDPOINT_FAILED, FINISH, FINISH_DELIVERED, PARK_CLAIMED, PARK_DELIVERIES, RELEASE, type ClaimedRow, type DeliveredResult } from './webhooks.queries';

/** A claim's lease: past the attempt's own timeout, so a live attempt always ends before another may start. */
export const LEASE_MS = ATTEMPT_TIMEOUT_MS + 15_000;
/** After a claim that found deliveries (but fewer than it had room for), the next one is this soon. */
const BUSY_POLL_MS = 50;
/** After a claim failed (the database unreachable), the next one waits this long. */
const RETRY_CLAIM_AFTER_MS = 5000;
/** An endpoint whose every attempt failed this long is disabled (API.md 10). */
export const DISABLE_AFTER_MS = 5 * 24 * 3600 * 1000;

/** The pause before retry n (1-based) after attempt n failed, jittered by up to ±10%; null: no retry left. */
export function retryDelayMs(schedule: readonly number[], failedAttempt: number, random = Math.random): number | null {
  const base = schedule[failedAttempt - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.9 + 0.2 * random()));
}

/** The body of a delivery: the event as API.md 10 shapes it, its `data` (JSON text from the database) spliced in as is. */
export function eventBody(row: Pick<ClaimedRow, 'event_public_id' | 'event_type' | 'account_id' | 'event_created_at' | 'event_data'>): string {
  const head = JSON.stringify({ id: row.event_public_id, type: row.event_type, accountId: String(row.account_id), createdAt: row.event_created_at });
  return `${head.slice(0, -1)},"data":${row.event_data}}`;
}

/**
 * Delivers webhooks from this process (unless WEBHOOK_DELIVERY=false): every WEBHOOK_POLL_MS, and at once
 * while there is more, it claims due deliveries (CLAIM: FOR UPDATE SKIP LOCKED plus a lease, so any number of
 * processes share the work and no delivery has two attempts at once), attempts each (Standard Webhooks
 * headers, 15 s) and records the result (FINISH, fenced by the attempt number). A process killed mid-attempt
 * leaves its claims to expire: the deliveries are due again after LEASE_MS, in whichever process claims them.
 * Shutdown interrupts the attempts in flight and hands their deliveries back at once (RELEASE).
 *
 * Why not pg-boss (README "Events and webhooks"): the deliveries must be written in the statement of the change
 * (the one-statement lead insert), which pg-boss's API cannot join, and they are the state the deliveries API
 * lists; a second queue beside them would duplicate that state and its consistency problems.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly policy: DestinationPolicy;
  private readonly concurrency: number;
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | null = null;
  /** The claim in progress, if any (shutdown waits for it, so what it claims is handed back) */
  private polling: Promise<void> | null = null;
  private stopped = false;
  /** Delivered results waiting to be recorded together (FINISH_DELIVERED), and the flush that will */
  private delivered: { result: DeliveredResult; recorded: () => void; failed: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | null = null;
  /** Keep-alive connections per destination (a new one is checked by the guarded lookup when it connects) */
  private readonly agents: Agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly attempts: WebhookAttempts,
  ) {
    this.policy = { allowHttp: config.webhooks.allowHttp, allowPrivate: config.webhooks.allowPrivate };
    // Attempts in flight: a receiver's answer takes a round trip, and under load the claim and the recording of
    // results wait for a pooled connection too, so throughput is about concurrency / (that cycle's time): 64 kept
    // up with ~300 deliveries/s on the bench (2 per POST /leads), behind the leads. The embedded database has one
    // connection, shared with the requests: fewer claims at a time there.
    this.concurrency = config.database.url ? 256 : 8;
  }

  onApplicationBootstrap(): void {
    if (this.config.webhooks.delivery) this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
    for (const { abort } of this.inFlight.values()) abort.abort();
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.polling || this.stopped) return;
      this.polling = this.poll().finally(() => (this.polling = null));
    }, ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    let more = false;
    let found = false;
    let failed = false;
    try {
      const room = this.concurrency - this.inFlight.size;
      if (room > 0) {
        // Planned on every call, not prepared: a generic plan made while the tables were small joins the claimed rows
        // to events by a hash of all events (a scan per claim once they are many)
        const claimed = await sqlRows(this.dataSource, CLAIM, { limit: room, leaseMs: LEASE_MS });
        more = claimed.length === room;
        found = claimed.length > 0;
        for (const row of claimed) this.start(row);
      }
    } catch (error) {
      const { message, code } = error as Error & { code?: unknown };
      this.logger.warn({ err: { message, code } }, `claiming webhook deliveries failed; trying again in ${RETRY_CLAIM_AFTER_MS / 1000} s`);
      failed = true;
    } finally {
      // After a failure (the database unreachable), a pause: no log line and no attempt every poll
      // While events keep coming (this claim found some), the next look is sooner than the idle poll: what a
      // full poll interval would let wait is most of the outbox lag under load
      const next = more ? 0 : found ? Math.min(BUSY_POLL_MS, this.config.webhooks.pollMs) : this.config.webhooks.pollMs;
      this.schedule(failed ? Math.max(RETRY_CLAIM_AFTER_MS, this.config.webhooks.pollMs) : next);
    }
  }

  private start(row: ClaimedRow): void {
    const key = `${row.account_id}:${row.id}`;
    const abort = new AbortController();
    if (this.stopped) abort.abort();
    const done = this.attempt(row, abort.signal)
      .catch((error: Error & { code?: unknown }) => {
        // The result could not be recorded: the claim's lease runs out and the delivery is attempted again.
        this.logger.warn({ err: { message: error.message, code: error.code } }, `recording webhook delivery ${row.id} failed`);
      })
      .finally(() => {
        this.inFlight.delete(key);
        // Refill once a quarter of the slots are free: one claim for many deliveries, not one per delivery, and
        // the next claim made while most attempts are still in flight
        if (!this.stopped && this.inFlight.size === this.concurrency - Math.ceil(this.concurrency / 4)) this.schedule(0);
      });
    this.inFlight.set(key, { abort, done });
  }

  private async attempt(row: ClaimedRow, signal: AbortSignal): Promise<void> {
    const fence = { accountId: row.account_id, id: row.id, attempt: row.attempts };
    if (row.endpoint_gone) {
      await sqlRows(this.dataSource, DROP_CLAIMED, fence);
      return;
    }
    if (!row.enabled) {
      await sqlRows(this.dataSource, PARK_CLAIMED, fence);
      return;
    }
    const body = eventBody(row);
    const timestamp = Math.floor(Date.now() / 1000);
    const secrets = row.previous_secret ? [row.secret, row.previous_secret] : [row.secret];
    const headers = {
      'webhook-id': row.event_public_id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(secrets, row.event_public_id, timestamp, body),
    };
    const outcome = signal.aborted ? null : await postEvent(row.url, headers, body, this.policy, signal, this.agents);
    if (!outcome || outcome.result === 'aborted') {
      await sqlRows(this.dataSource, RELEASE, fence);
      return;
    }
    this.attempts.attempted(outcome.result, outcome.durationMs);
    await this.record(row, outcome);
  }

  /** Resolves once the result is recorded: in one statement with the other results that arrived meanwhile. */
  private recordDelivered(result: DeliveredResult): Promise<void> {
    return new Promise((recorded, failed) => {
      this.delivered.push({ result, recorded, failed });
      this.flushing ??= this.flushDelivered();
    });
  }

  private async flushDelivered(): Promise<void> {
    while (this.delivered.length > 0) {
      const batch = this.delivered.splice(0, 200);
      try {
        // Not prepared either: a generic plan may hash every pending delivery against the batch
        await sqlRows(this.dataSource, FINISH_DELIVERED, { results: JSON.stringify(batch.map((b) => b.result)) });
        for (const b of batch) b.recorded();
      } catch (error) {
        for (const b of batch) b.failed(error);
      }
    }
    this.flushing = null;
  }

  private async record(row: ClaimedRow, outcome: AttemptOutcome): Promise<void> {
    const delivered = outcome.result === 'delivered';
    const retryInMs = delivered || outcome.result === 'gone' ? null : retryDelayMs(this.config.webhooks.retryScheduleMs, row.attempts);
    const status = delivered ? 'delivered' : retryInMs === null ? 'failed' : 'pending';
    const finish = {
      accountId: row.account_id,
      id: row.id,
      attempt: row.attempts,
      status,
      retryInMs,
      statusCode: outcome.statusCode,
      error: outcome.error,
      durationMs: outcome.durationMs,
      responseBody: outcome.responseBody,
    } as const;
    if (delivered) {
      await this.recordDelivered({
        account_id: row.account_id,
        id: row.id,
        attempt: row.attempts,
        status_code: outcome.statusCode!,
        duration_ms: outcome.durationMs,
        response_body: outcome.responseBody,
      });
      return;
    }
    await runTransaction(this.dataSource, async (m) => {
      const [finished] = await sqlRows(m, FINISH, finish);
      if (!finished) return; // no longer this claim's (lease ran out, or the endpoint was deleted)
      const endpoint = { accountId: row.account_id, endpointId: row.endpoint_id };
      const [health] = await sqlRows(m, ENDPOINT_FAILED, { ...endpoint, gone: outcome.result === 'gone', disableAfterMs: DISABLE_AFTER_MS });
      if (health?.disabled) await sqlRows(m, PARK_DELIVERIES, endpoint);
    });
  }
}
