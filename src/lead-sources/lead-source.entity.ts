import { Column, CreateDateColumn, DeleteDateColumn, Entity, ForeignKey, Index, PrimaryColumn, Unique, UpdateDateColumn } from 'typeorm';
import { NUMERIC_ID } from '../database/numeric-id';
import { AccountEntity } from '../accounts/account.entity';
import { TeamEntity } from '../teams/team.entity';

/**
 * A lead source of a team (soft-deleted): migrations/1764250100000-TeamsSourcesRotations.js, and
 * 1764250200000-Leads.js for `lead_sources_account_team_id_key`.
 */
@Entity('lead_sources')
// the target of the leads -> lead_sources foreign key: a source together with its team
@Unique('lead_sources_account_team_id_key', ['accountId', 'teamId', 'id'])
@ForeignKey(() => TeamEntity, ['accountId', 'teamId'], ['accountId', 'id'], { name: 'lead_sources_account_id_team_id_fkey' })
// Names are unique within a team among live sources, case-insensitively: an expression index TypeORM cannot
// describe, `(account_id, team_id, lower(name)) WHERE deleted_at IS NULL` (the migration creates it).
@Index('lead_sources_live_name_key', { synchronize: false })
export class LeadSourceEntity {
  @PrimaryColumn({ type: 'bigint', generated: 'identity', generatedIdentity: 'BY DEFAULT', primaryKeyConstraintName: 'lead_sources_pkey', transformer: NUMERIC_ID })
  id: number;

  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'lead_sources_pkey' })
  @ForeignKey(() => AccountEntity, { name: 'lead_sources_account_id_fkey' })
  accountId: string;

  @Column({ name: 'team_id', type: 'bigint', transformer: NUMERIC_ID })
  teamId: number;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt: Date | null;
}
