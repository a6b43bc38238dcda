import { Column, CreateDateColumn, Entity, ForeignKey, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity';

/** A receiver of an account's events (migration Webhooks1764270200000). */
@Entity('webhook_endpoints')
export class WebhookEndpointEntity {
  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'webhook_endpoints_pkey' })
  @ForeignKey(() => AccountEntity, { name: 'webhook_endpoints_account_id_fkey' })
  accountId: string;

  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT', primaryKeyConstraintName: 'webhook_endpoints_pkey' })
  id: string;

  @Column({ type: 'varchar', length: 2048 })
  url: string;

  /** Event types it is subscribed to, or `*` for all */
  @Column({ type: 'text', array: true })
  events: string[];

  @Column({ type: 'varchar', length: 255, nullable: true })
  description: string | null;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'disabled_reason', type: 'varchar', length: 255, nullable: true })
  disabledReason: string | null;

  /** `whsec_…`: kept to sign deliveries, shown once */
  @Column({ type: 'varchar', length: 128 })
  secret: string;

  /** The secret before the last rotation: it signs too until `previousSecretExpiresAt` */
  @Column({ name: 'previous_secret', type: 'varchar', length: 128, nullable: true })
  previousSecret: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  /** The first failed attempt since the last delivered one: 5 days of that disables the endpoint */
  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
