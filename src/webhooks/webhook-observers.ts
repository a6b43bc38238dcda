import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { sqlRows } from '../database/sql';
import type { AttemptResult } from './delivery-client';
import { OUTBOX_LAG } from './webhooks.queries';

export type AttemptListener = (result: AttemptResult, durationMs: number) => void;

/**
 * Told of every delivery attempt this process makes, with its result, and tells its listeners (the metrics'
 * `leaddesk_webhook_attempts_total{result}`, API.md 14); the worker itself carries no counters.
 */
@Injectable()
export class WebhookAttempts {
  private readonly listeners = new Set<AttemptListener>();

  /** Calls `listener` after every attempt; returns how to stop. */
  onAttempt(listener: AttemptListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  attempted(result: AttemptResult, durationMs: number): void {
    for (const listener of this.listeners) listener(result, durationMs);
  }
}

export interface OutboxLag {
  /** Age in seconds of the oldest delivery not yet delivered (pending and not parked), 0 when none */
  oldestUndeliveredSeconds: number;
  /** Age in seconds of the oldest delivery that is due and not claimed: how far the workers are behind, 0 when none */
  oldestDueSeconds: number;
}

/** Outbox lag for the metrics (API.md 14): one indexed query over the pending deliveries. */
@Injectable()
export class WebhookMetrics {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async outboxLag(): Promise<OutboxLag> {
    const [row] = await sqlRows(this.dataSource, OUTBOX_LAG, {});
    return { oldestUndeliveredSeconds: Math.max(0, row?.oldest_undelivered_s ?? 0), oldestDueSeconds: Math.max(0, row?.oldest_due_s ?? 0) };
  }
}
