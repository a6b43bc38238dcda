import { Check, Column, Entity, ForeignKey, PrimaryColumn, Unique } from 'typeorm';
import { NUMERIC_ID } from '../database/numeric-id';
import { RotationEntity } from './rotation.entity';

/** One member of a rotation, at its place in the order: migrations/1764250100000-TeamsSourcesRotations.js. */
@Entity('rotation_members')
@Unique('rotation_members_account_id_rotation_id_user_email_key', ['accountId', 'rotationId', 'userEmail'])
@Check('rotation_members_ordinal_check', 'ordinal >= 0')
@Check('rotation_members_weight_check', 'weight BETWEEN 1 AND 100')
@Check('rotation_members_cap_day_check', 'cap_day BETWEEN 1 AND 10000')
@Check('rotation_members_cap_week_check', 'cap_week BETWEEN 1 AND 10000')
@ForeignKey(() => RotationEntity, ['accountId', 'rotationId'], ['accountId', 'id'], {
  name: 'rotation_members_account_id_rotation_id_fkey',
  onDelete: 'CASCADE',
})
export class RotationMemberEntity {
  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'rotation_members_pkey' })
  accountId: string;

  @PrimaryColumn({ name: 'rotation_id', type: 'bigint', primaryKeyConstraintName: 'rotation_members_pkey', transformer: NUMERIC_ID })
  rotationId: number;

  /** The member's place in the rotation's order, from 0. */
  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'rotation_members_pkey' })
  ordinal: number;

  @Column({ name: 'user_email', type: 'varchar', length: 320 })
  userEmail: string;

  @Column({ type: 'smallint', default: 1 })
  weight: number;

  /** At most this many leads through this rotation in the member's local day; null: no cap */
  @Column({ name: 'cap_day', type: 'integer', nullable: true })
  capDay: number | null;

  /** At most this many in the member's local ISO week; null: no cap */
  @Column({ name: 'cap_week', type: 'integer', nullable: true })
  capWeek: number | null;
}
