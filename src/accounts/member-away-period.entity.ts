import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { AccountEntity } from './account.entity';
import { MembershipEntity } from './membership.entity';

/** A time a member is away (API.md section 9): migrations/1764270100000-Routing.js. Removed with the membership. */
@Entity('member_away_periods')
@Check('member_away_periods_check', 'ends_at > starts_at')
@ForeignKey(() => MembershipEntity, ['accountId', 'userEmail'], ['accountId', 'email'], { name: 'member_away_periods_member_fkey', onDelete: 'CASCADE' })
@Index('member_away_periods_member_idx', ['accountId', 'userEmail', 'endsAt'])
export class MemberAwayPeriodEntity {
  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'member_away_periods_pkey' })
  @ForeignKey(() => AccountEntity, { name: 'member_away_periods_account_id_fkey' })
  accountId: string;

  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT', primaryKeyConstraintName: 'member_away_periods_pkey' })
  id: string;

  @Column({ name: 'user_email', type: 'varchar', length: 320 })
  userEmail: string;

  /** Inclusive */
  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt: Date;

  /** Exclusive */
  @Column({ name: 'ends_at', type: 'timestamptz' })
  endsAt: Date;

  @Column({ type: 'varchar', length: 255, nullable: true })
  reason: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
