import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity';
import { RotationEntity } from './rotation.entity';

/**
 * The leads a rotation gave one member in the member's current local day and ISO week (API.md section 9 caps):
 * migrations/1764270100000-Routing.js. Written only in the statement that takes the rotation's turn, under its
 * row lock; a counter of an earlier day or week counts as 0.
 */
@Entity('rotation_member_counters')
@ForeignKey(() => RotationEntity, ['accountId', 'rotationId'], ['accountId', 'id'], { name: 'rotation_member_counters_rotation_fkey', onDelete: 'CASCADE' })
export class RotationMemberCounterEntity {
  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'rotation_member_counters_pkey' })
  @ForeignKey(() => AccountEntity, { name: 'rotation_member_counters_account_id_fkey' })
  accountId: string;

  @PrimaryColumn({ name: 'rotation_id', type: 'integer', primaryKeyConstraintName: 'rotation_member_counters_pkey' })
  rotationId: number;

  @PrimaryColumn({ name: 'user_email', type: 'varchar', length: 320, primaryKeyConstraintName: 'rotation_member_counters_pkey' })
  userEmail: string;

  /** The member's local day the day count is of */
  @Column({ name: 'day_start', type: 'date' })
  dayStart: string;

  @Column({ name: 'day_count', type: 'integer' })
  dayCount: number;

  /** The Monday of the member's local ISO week the week count is of */
  @Column({ name: 'week_start', type: 'date' })
  weekStart: string;

  @Column({ name: 'week_count', type: 'integer' })
  weekCount: number;
}
