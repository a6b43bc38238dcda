import { Column, Entity, ForeignKey, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity';

/**
 * One append-only audit log row: migrations/1764250000000-Platform.js. A database trigger rejects UPDATE,
 * DELETE and TRUNCATE. The indexes end in `id DESC` in the database (TypeORM compares their columns, not
 * their order): each list walks one of them newest first.
 */
@Entity('audit_log')
@Index('audit_log_entity_idx', ['accountId', 'entityType', 'entityId', 'id'])
@Index('audit_log_event_idx', ['accountId', 'event', 'id'])
@Index('audit_log_user_idx', ['accountId', 'user', 'id'])
export class AuditEntryEntity {
  /** bigint, handed over as a string. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT', primaryKeyConstraintName: 'audit_log_pkey' })
  id: string;

  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'audit_log_pkey' })
  @ForeignKey(() => AccountEntity, { name: 'audit_log_account_id_fkey' })
  accountId: string;

  @Column({ type: 'varchar', length: 64 })
  event: string;

  @Column({ name: 'entity_type', type: 'varchar', length: 32 })
  entityType: string;

  @Column({ name: 'entity_id', type: 'varchar', length: 64 })
  entityId: string;

  @Column({ name: 'user_email', type: 'varchar', length: 320 })
  user: string;

  @Column({ name: 'api_key_id', type: 'varchar', length: 64, nullable: true })
  apiKeyId: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  data: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'request_method', type: 'varchar', length: 16, nullable: true })
  requestMethod: string | null;

  @Column({ name: 'request_path', type: 'text', nullable: true })
  requestPath: string | null;

  @Column({ name: 'request_headers', type: 'jsonb', nullable: true })
  requestHeaders: Record<string, unknown> | null;

  @Column({ name: 'request_ip', type: 'varchar', length: 64, nullable: true })
  requestIp: string | null;

  /** The request's x-request-id (migration AuditRequestId1764260000000). */
  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;
}
