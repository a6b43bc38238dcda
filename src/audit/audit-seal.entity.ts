import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity';

/**
 * One seal of an account's audit chain (migration AuditSeals1764260200000): the entries after the previous
 * seal, up to `lastEntryId`, hashed with the previous seal's hash. Written only by AuditSealService.
 */
@Entity('audit_seals')
@Index('audit_seals_chain_idx', ['accountId', 'lastEntryId'], { unique: true })
@Index('audit_seals_through_idx', ['sealedThrough'])
export class AuditSealEntity {
  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'PK_audit_seals' })
  accountId: string;

  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT', primaryKeyConstraintName: 'PK_audit_seals' })
  id: string;

  @ManyToOne(() => AccountEntity, { nullable: false, onDelete: 'NO ACTION', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'FK_audit_seals_account' })
  account?: AccountEntity;

  @Column({ name: 'first_entry_id', type: 'bigint' })
  firstEntryId: string;

  @Column({ name: 'last_entry_id', type: 'bigint' })
  lastEntryId: string;

  @Column({ name: 'entry_count', type: 'integer' })
  entryCount: number;

  @Column({ name: 'entry_ids', type: 'bigint', array: true })
  entryIds: string[];

  /** 8 bytes of SHA-256 per entry, in entry order: locates a mismatch (the hash proves it). */
  @Column({ name: 'entry_digests', type: 'bytea' })
  entryDigests: Buffer;

  @Column({ name: 'previous_hash', type: 'char', length: 64, nullable: true })
  previousHash: string | null;

  @Column({ type: 'char', length: 64 })
  hash: string;

  /** `hmac-sha256` (AUDIT_SEAL_KEY set) or `sha256`. */
  @Column({ type: 'varchar', length: 16 })
  algorithm: string;

  @Column({ name: 'sealed_through', type: 'bigint' })
  sealedThrough: string;

  @Column({ name: 'sealed_at', type: 'timestamptz', default: () => 'now()' })
  sealedAt: Date;
}
