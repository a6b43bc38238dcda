import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One request as the access log keeps it (migration AccessLog1764260100000). The table is partitioned by day
 * on `at` (PARTITION BY RANGE, a default partition, partitions made by AccessLogPartitions), which TypeORM
 * cannot express: `synchronize: false` keeps schema tools away from it; the columns and indexes below are
 * the table's. Written only by AccessLogRecorder, in batches.
 */
@Entity({ name: 'access_log', synchronize: false })
@Index('access_log_account_at_idx', ['accountId', 'at', 'id'])
@Index('access_log_account_key_at_idx', ['accountId', 'apiKeyId', 'at'])
export class AccessLogRecordEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id: string;

  /** When the request arrived. Partition key. */
  @PrimaryColumn({ type: 'timestamptz' })
  at: Date;

  /** The `x-account-id` the request named, when that account exists; else null. */
  @Column({ name: 'account_id', type: 'bigint', nullable: true })
  accountId: string | null;

  @Column({ name: 'user_email', type: 'varchar', length: 320, nullable: true })
  user: string | null;

  @Column({ name: 'api_key_id', type: 'integer', nullable: true })
  apiKeyId: number | null;

  @Column({ type: 'varchar', length: 16 })
  method: string;

  /** The route template (`/leads/:id`); null when no route matched (404). */
  @Column({ type: 'varchar', length: 512, nullable: true })
  route: string | null;

  @Column({ type: 'smallint' })
  status: number;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128 })
  requestId: string;
}
