import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { AccountEntity } from './account.entity';
import type { Role } from './roles';

/** An API key of an account (only its hash is kept): migrations/1764250000000-Platform.js. */
@Entity('api_keys')
@Check('api_keys_role_check', `role IN ('viewer','agent','manager','admin','owner')`)
@Unique('api_keys_account_id_id_key', ['accountId', 'id'])
// API-key login finds the key by its prefix
@Index('api_keys_prefix_key', ['prefix'], { unique: true })
@Index('api_keys_account_idx', ['accountId', 'id'])
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT', primaryKeyConstraintName: 'api_keys_pkey' })
  id: number;

  @Column({ name: 'account_id', type: 'bigint' })
  @ForeignKey(() => AccountEntity, { name: 'api_keys_account_id_fkey' })
  accountId: string;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  role: Role;

  /** The key's public beginning, used to find it and shown in lists. */
  @Column({ type: 'varchar', length: 32 })
  prefix: string;

  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  @Column({ name: 'key_hash', type: 'char', length: 64 })
  keyHash: string;

  @Column({ name: 'created_by', type: 'varchar', length: 320 })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
