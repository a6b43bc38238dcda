import { Column, CreateDateColumn, DeleteDateColumn, Entity, ForeignKey, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { NUMERIC_ID } from '../database/numeric-id';
import { AccountEntity } from '../accounts/account.entity';

/** A team of an account (soft-deleted): migrations/1764250100000-TeamsSourcesRotations.js. */
@Entity('teams')
// Names are unique in an account among live teams, case-insensitively: an expression index TypeORM cannot
// describe, `(account_id, lower(name)) WHERE deleted_at IS NULL` (the migration creates it).
@Index('teams_live_name_key', { synchronize: false })
export class TeamEntity {
  @PrimaryColumn({ type: 'bigint', generated: 'identity', generatedIdentity: 'BY DEFAULT', primaryKeyConstraintName: 'teams_pkey', transformer: NUMERIC_ID })
  id: number;

  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'teams_pkey' })
  @ForeignKey(() => AccountEntity, { name: 'teams_account_id_fkey' })
  accountId: string;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Set when the team is deleted; a deleted team no longer exists for the API. */
  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt: Date | null;
}
