import { Column, CreateDateColumn, Entity, ForeignKey, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity';

/**
 * The outbox (migration Webhooks1764270200000): one row per event (API.md 10), written only by the outbox
 * fragments of webhooks.queries.ts, in the transaction or statement of the change that causes it.
 */
@Entity('events')
export class EventEntity {
  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'events_pkey' })
  @ForeignKey(() => AccountEntity, { name: 'events_account_id_fkey' })
  accountId: string;

  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT', primaryKeyConstraintName: 'events_pkey' })
  id: string;

  /** `evt_` + 32 hex characters: the event's id in the API and the `webhook-id` of its deliveries */
  @Column({ name: 'public_id', type: 'varchar', length: 40 })
  publicId: string;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
