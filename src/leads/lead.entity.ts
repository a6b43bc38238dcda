import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { NUMERIC_ID } from '../database/numeric-id';
import { AccountEntity } from '../accounts/account.entity';
import { LeadSourceEntity } from '../lead-sources/lead-source.entity';
import { TeamEntity } from '../teams/team.entity';

/**
 * A lead: migrations/1764250200000-Leads.js and 1764250300000-LeadSearch.js. The foreign keys carry
 * account_id, so the database refuses a team or source of another account, or a source of another team.
 * The keyset indexes end in `created_at DESC, id DESC` in the database (TypeORM compares their columns, not
 * their order).
 */
@Entity('leads')
@ForeignKey(() => TeamEntity, ['accountId', 'teamId'], ['accountId', 'id'], { name: 'leads_account_id_team_id_fkey' })
@ForeignKey(() => LeadSourceEntity, ['accountId', 'teamId', 'leadSourceId'], ['accountId', 'teamId', 'id'], {
  name: 'leads_account_id_team_id_lead_source_id_fkey',
})
// MATCH SIMPLE skips a foreign key with a NULL column, so a source without a team is refused here
@Check('leads_check', 'lead_source_id IS NULL OR team_id IS NOT NULL')
@Check('leads_assigned_to_check', 'assigned_to = lower(assigned_to)')
@Check('leads_created_by_check', 'created_by = lower(created_by)')
@Check('leads_number_of_employees_check', 'number_of_employees >= 0')
@Check('leads_monthly_transaction_volume_check', 'monthly_transaction_volume >= 0')
// GET /leads: newest first, keyset on (created_at, id); one index per filter
@Index('leads_account_created_idx', ['accountId', 'createdAt', 'id'])
@Index('leads_account_archived_created_idx', ['accountId', 'archived', 'createdAt', 'id'])
@Index('leads_account_team_created_idx', ['accountId', 'teamId', 'createdAt', 'id'])
@Index('leads_account_source_created_idx', ['accountId', 'leadSourceId', 'createdAt', 'id'])
@Index('leads_account_assignee_created_idx', ['accountId', 'assignedTo', 'createdAt', 'id'])
@Index('leads_account_stage_created_idx', ['accountId', 'processStage', 'createdAt', 'id'])
@Index('leads_account_creator_created_idx', ['accountId', 'createdBy', 'createdAt', 'id'])
// Leads whose first-touch timer runs, by deadline (migrations/1764270500000-FirstTouch.js)
@Index('leads_first_touch_due_idx', ['firstTouchDueAt'], { where: 'first_touch_due_at IS NOT NULL' })
// `q`: a pg_trgm GIN index over the lower-cased searchable fields, an expression TypeORM cannot describe
// (migrations/1764250300000-LeadSearch.js creates it; src/leads/lead-list.sql.ts repeats the expression).
@Index('leads_search_trgm_idx', { synchronize: false })
// Duplicates: partial indexes over live leads' match keys (migrations/1764270300000-LeadMatchKeys.js)
@Index('leads_account_email_key_idx', { synchronize: false })
@Index('leads_account_phone_key_idx', { synchronize: false })
// `reject` exact under concurrency: no two fenced live leads of an account share a key (migrations/1764279100000-LeadRejectFence.js)
@Index('leads_email_fence_key', ['accountId', 'emailKey'], { unique: true, where: 'email_fenced AND NOT archived AND email_key IS NOT NULL' })
@Index('leads_phone_fence_key', ['accountId', 'phoneKey'], { unique: true, where: 'phone_fenced AND NOT archived AND phone_key IS NOT NULL' })
@ForeignKey(() => LeadEntity, ['accountId', 'mergedIntoId'], ['accountId', 'id'], { name: 'leads_account_id_merged_into_id_fkey' })
export class LeadEntity {
  @PrimaryColumn({ type: 'bigint', generated: 'identity', generatedIdentity: 'BY DEFAULT', primaryKeyConstraintName: 'leads_pkey', transformer: NUMERIC_ID })
  id: number;

  @PrimaryColumn({ name: 'account_id', type: 'bigint', primaryKeyConstraintName: 'leads_pkey' })
  @ForeignKey(() => AccountEntity, { name: 'leads_account_id_fkey' })
  accountId: string;

  @Column({ name: 'team_id', type: 'bigint', nullable: true, transformer: NUMERIC_ID })
  teamId: number | null;

  @Column({ name: 'lead_source_id', type: 'bigint', nullable: true, transformer: NUMERIC_ID })
  leadSourceId: number | null;

  /** Set when the lead is converted. */
  @Column({ name: 'application_id', type: 'varchar', length: 255, nullable: true })
  applicationId: string | null;

  @Column({ name: 'first_name', type: 'varchar', length: 255 })
  firstName: string;

  @Column({ name: 'last_name', type: 'varchar', length: 255 })
  lastName: string;

  @Column({ name: 'img_src', type: 'varchar', length: 2048, nullable: true })
  imgSrc: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  email: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  phone: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  company: string | null;

  @Column({ name: 'job_title', type: 'varchar', length: 255, nullable: true })
  jobTitle: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  branch: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  source: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  position: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  location: string | null;

  @Column({ name: 'products_services_sold', type: 'varchar', length: 255, nullable: true })
  productsServicesSold: string | null;

  @Column({ name: 'number_of_employees', type: 'integer', nullable: true })
  numberOfEmployees: number | null;

  @Column({ name: 'current_payment_processor', type: 'varchar', length: 255, nullable: true })
  currentPaymentProcessor: string | null;

  /** bigint (the API accepts any safe integer), handed over as a string. */
  @Column({ name: 'monthly_transaction_volume', type: 'bigint', nullable: true })
  monthlyTransactionVolume: string | null;

  @Column({ name: 'interested_in_switching', type: 'boolean', nullable: true })
  interestedInSwitching: boolean | null;

  @Column({ name: 'process_stage', type: 'varchar', length: 255, nullable: true })
  processStage: string | null;

  @Column({ name: 'buying_role', type: 'varchar', length: 255, nullable: true })
  buyingRole: string | null;

  /** Lower-cased email of the assignee. */
  @Column({ name: 'assigned_to', type: 'varchar', length: 320, nullable: true })
  assignedTo: string | null;

  @Column({ type: 'varchar', length: 10000, nullable: true })
  notes: string | null;

  @Column({ name: 'last_contacted', type: 'timestamptz', nullable: true })
  lastContacted: Date | null;

  @Column({ type: 'boolean', default: false })
  archived: boolean;

  /** Lower-cased email of the user who created the lead. */
  @Column({ name: 'created_by', type: 'varchar', length: 320 })
  createdBy: string;

  /** Match key: the email trimmed and lower-cased (src/leads/match-keys.ts). */
  @Column({ name: 'email_key', type: 'varchar', length: 255, nullable: true })
  emailKey: string | null;

  /** Match key: the phone in E.164 for the account's default country, or its digits alone. */
  @Column({ name: 'phone_key', type: 'varchar', length: 255, nullable: true })
  phoneKey: string | null;

  /**
   * The lead was created under `reject` with this email key and fences it (leads_email_fence_key): set only at
   * create; cleared when the key changes or an archived lead changes (unarchive).
   */
  @Column({ name: 'email_fenced', type: 'boolean', default: false })
  emailFenced: boolean;

  /** As emailFenced, for the phone key (leads_phone_fence_key). */
  @Column({ name: 'phone_fenced', type: 'boolean', default: false })
  phoneFenced: boolean;

  /** Set when the lead was merged into another (and archived). */
  @Column({ name: 'merged_into_id', type: 'bigint', nullable: true, transformer: NUMERIC_ID })
  mergedIntoId: number | null;

  /** First-touch timer (API.md 10): when the assignee must have touched the lead; null when no timer runs */
  @Column({ name: 'first_touch_due_at', type: 'timestamptz', nullable: true })
  firstTouchDueAt: Date | null;

  /** When the assignee the timer ran for touched the lead */
  @Column({ name: 'first_touched_at', type: 'timestamptz', nullable: true })
  firstTouchedAt: Date | null;

  /** The rotation whose timer runs: a breach reassigns through it */
  @Column({ name: 'first_touch_rotation_id', type: 'bigint', nullable: true })
  firstTouchRotationId: string | null;

  /** How many times the timer reassigned the lead */
  @Column({ name: 'first_touch_reassignments', type: 'smallint', default: 0 })
  firstTouchReassignments: number;

  /** The earlier assignees of the timer (never offered the lead again) */
  @Column({ name: 'first_touch_holders', type: 'text', array: true, default: () => "'{}'" })
  firstTouchHolders: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
