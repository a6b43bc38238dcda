import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * One event to one endpoint (migration Webhooks1764270200000): written with the event for every endpoint enabled
 * and subscribed at that moment, claimed by a delivery worker for an attempt (`lockedUntil`: the claim's lease).
 * No foreign keys (migration LighterWebhookDeliveries1764279200000): each was a check and a row lock per delivery
 * written; deleting an endpoint deletes its deliveries in its own statement, and the worker drops one claimed
 * without endpoint.
 */
@Entity('webhook_deliveries')
@Unique('webhook_deliveries_endpoint_event_key', ['accountId', 'endpointId', 'eventId'])
// Partial: `(next_attempt_at) WHERE status = 'pending'` (the migration creates it)
@Index('webhook_deliveries_due_idx', { synchronize: false })
export class WebhookDeliveryEntity {
  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'webhook_deliveries_pkey' })
  accountId: string;

  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT', primaryKeyConstraintName: 'webhook_deliveries_pkey' })
  id: string;

  @Column({ name: 'endpoint_id', type: 'bigint' })
  endpointId: string;

  @Column({ name: 'event_id', type: 'bigint' })
  eventId: string;

  /** pending, delivered or failed */
  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: string;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** When a pending delivery is due; null while its endpoint is disabled, and once delivered or failed */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 255, nullable: true })
  lastError: string | null;

  @Column({ name: 'last_duration_ms', type: 'integer', nullable: true })
  lastDurationMs: number | null;

  /** The first KiB of the last response's body */
  @Column({ name: 'last_response_body', type: 'varchar', length: 1024, nullable: true })
  lastResponseBody: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
