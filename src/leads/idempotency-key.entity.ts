import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity';

/**
 * The stored answer of a completed request with an Idempotency-Key (2xx only), written in the transaction of
 * the change itself: migrations/1764250200000-Leads.js.
 */
@Entity('idempotency_keys')
@Check('idempotency_keys_response_status_check', 'response_status BETWEEN 200 AND 299')
// expired keys (older than 24 hours) are found and purged through this index
@Index('idempotency_keys_created_idx', ['accountId', 'createdAt'])
export class IdempotencyKeyEntity {
  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'idempotency_keys_pkey' })
  @ForeignKey(() => AccountEntity, { name: 'idempotency_keys_account_id_fkey' })
  accountId: string;

  @PrimaryColumn({ type: 'varchar', length: 255, primaryKeyConstraintName: 'idempotency_keys_pkey' })
  key: string;

  /** SHA-256 (hex) of the request's method, path, query and body. */
  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash: string;

  @Column({ name: 'response_status', type: 'smallint' })
  responseStatus: number;

  /** json, not jsonb: the replay must be the first answer byte for byte (key order kept). */
  @Column({ name: 'response_body', type: 'json' })
  responseBody: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
