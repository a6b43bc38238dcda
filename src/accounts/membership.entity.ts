import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { AccountEntity } from './account.entity';
import type { Role } from './roles';

/** A user's membership of an account: migrations/1764250000000-Platform.js. */
@Entity('memberships')
@Check('memberships_email_check', 'email = lower(email)')
@Check('memberships_role_check', `role IN ('viewer','agent','manager','admin','owner')`)
// "my accounts" looks members up by email across accounts
@Index('memberships_email_idx', ['email', 'accountId'])
export class MembershipEntity {
  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'memberships_pkey' })
  @ForeignKey(() => AccountEntity, { name: 'memberships_account_id_fkey' })
  accountId: string;

  /** Lower-cased email: how a user is known. */
  @PrimaryColumn({ type: 'varchar', length: 320, primaryKeyConstraintName: 'memberships_pkey' })
  email: string;

  @Column({ type: 'varchar', length: 16 })
  role: Role;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  /** IANA zone of the member's working hours and cap days; null: the account's (migrations/1764270100000-Routing.js) */
  @Column({ name: 'time_zone', type: 'varchar', length: 64, nullable: true })
  timeZone: string | null;

  /** Local working intervals per weekday; null: always working */
  @Column({ name: 'working_hours', type: 'jsonb', nullable: true })
  workingHours: Record<string, [string, string][]> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
