import { Check, Column, CreateDateColumn, DeleteDateColumn, Entity, ForeignKey, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { NUMERIC_ID } from '../database/numeric-id';
import { AccountEntity } from '../accounts/account.entity';
import { TeamEntity } from '../teams/team.entity';

/**
 * A lead rotation of a team, or the account's default (no team), soft-deleted:
 * migrations/1764250100000-TeamsSourcesRotations.js and 1764250150000-RotationMembersVersion.js.
 */
@Entity('rotations')
@ForeignKey(() => TeamEntity, ['accountId', 'teamId'], ['accountId', 'id'], { name: 'rotations_account_id_team_id_fkey' })
// One active rotation per team, one active default (team_id NULL) per account: enforced by the database.
@Index('rotations_one_active_per_team', ['accountId', 'teamId'], {
  unique: true,
  where: 'active AND deleted_at IS NULL AND team_id IS NOT NULL',
})
@Index('rotations_one_active_default', ['accountId'], { unique: true, where: 'active AND deleted_at IS NULL AND team_id IS NULL' })
@Check('rotations_first_touch_seconds_check', 'first_touch_seconds BETWEEN 30 AND 604800')
@Check('rotations_max_reassignments_check', 'max_reassignments BETWEEN 0 AND 10')
export class RotationEntity {
  @PrimaryColumn({ type: 'bigint', generated: 'identity', generatedIdentity: 'BY DEFAULT', primaryKeyConstraintName: 'rotations_pkey', transformer: NUMERIC_ID })
  id: number;

  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'rotations_pkey' })
  @ForeignKey(() => AccountEntity, { name: 'rotations_account_id_fkey' })
  accountId: string;

  /** null: the account's default rotation. */
  @Column({ name: 'team_id', type: 'bigint', nullable: true, transformer: NUMERIC_ID })
  teamId: number | null;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  /** Whether members outside their working hours or away are skipped (migrations/1764270100000-Routing.js) */
  @Column({ name: 'respect_availability', type: 'boolean', default: false })
  respectAvailability: boolean;

  /**
   * Cap counters by member: `{user: {dayStart, day, weekStart, week}}`, the leads this rotation gave them in
   * their local day and ISO week. Beside `position`, written by the same statement as the turn.
   */
  @Column({ name: 'cap_counters', type: 'jsonb', default: () => "'{}'" })
  capCounters: Record<string, { dayStart: string; day: number; weekStart: string; week: number }>;

  /** First-touch timer of the leads it assigns, in seconds; null: off (migrations/1764270500000-FirstTouch.js) */
  @Column({ name: 'first_touch_seconds', type: 'integer', nullable: true })
  firstTouchSeconds: number | null;

  /** How many times a lead is reassigned for a missed first touch before it stays put */
  @Column({ name: 'max_reassignments', type: 'smallint', default: 2 })
  maxReassignments: number;

  /** How many leads the rotation has handed out since its members last changed (bigint, as a string). */
  @Column({ type: 'bigint', default: 0 })
  position: string;

  /** Counts the changes of the member list, so the assignment engine sees a change made under it. */
  @Column({ name: 'members_version', type: 'integer', default: 0 })
  membersVersion: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt: Date | null;
}
