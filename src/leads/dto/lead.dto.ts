import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { AuditEntryDto } from '../../audit/dto/audit-entry.dto';
import { numericId } from '../../database/numeric-id';

/**
 * The seed's `Lead`. Every field is present in an answer; an optional field that has no value is `null`.
 * Built by `toLeadDto` from a `leads` row, never returned as the row itself.
 */
@ApiSchema({ name: 'Lead', description: 'Lead object representing a potential customer or client' })
export class LeadDto {
  /** Unique identifier for the lead */
  @ApiProperty({ type: 'integer', readOnly: true, example: 42 })
  id: number;

  /** ID of the account that owns this lead */
  @ApiProperty({ type: 'string', required: false, example: '2311' })
  accountId: string;

  /** ID of the team associated with this lead. Required if teams exist in the account, unless skipTeamAndSourceRequirement=true. */
  @ApiProperty({ type: 'integer', required: false, nullable: true })
  teamId: number | null;

  /** ID of the lead source associated with this lead. Required if the team has lead sources, unless skipTeamAndSourceRequirement=true. */
  @ApiProperty({ type: 'integer', required: false, nullable: true })
  leadSourceId: number | null;

  /** Optional application ID associated with this lead */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  applicationId: string | null;

  /** Lead's first name */
  @ApiProperty({ type: 'string' })
  firstName: string;

  /** Lead's last name */
  @ApiProperty({ type: 'string' })
  lastName: string;

  /** URL to lead's profile image */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  imgSrc: string | null;

  /** Lead's email address */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  email: string | null;

  /** Lead's phone number */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  phone: string | null;

  /** Company name */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  company: string | null;

  /** Lead's job title */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  jobTitle: string | null;

  /** Branch location */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  branch: string | null;

  /** Text description of lead source */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  source: string | null;

  /** Position within company */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  position: string | null;

  /** Geographic location */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  location: string | null;

  /** Products or services the lead sells */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  productsServicesSold: string | null;

  /** Number of employees at the lead's company */
  @ApiProperty({ type: 'integer', required: false, nullable: true })
  numberOfEmployees: number | null;

  /** Lead's current payment processor */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  currentPaymentProcessor: string | null;

  /** Monthly transaction volume in dollars */
  @ApiProperty({ type: 'integer', required: false, nullable: true })
  monthlyTransactionVolume: number | null;

  /** Whether the lead is interested in switching services */
  @ApiProperty({ type: 'boolean', required: false, nullable: true })
  interestedInSwitching: boolean | null;

  /** Current stage in the sales process */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  processStage: string | null;

  /** Lead's role in buying decisions */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  buyingRole: string | null;

  /** User assigned to this lead. If not provided, will be automatically assigned using lead rotation if available. */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  assignedTo: string | null;

  /** General notes about the lead */
  @ApiProperty({ type: 'string', required: false, nullable: true })
  notes: string | null;

  /** Date and time of last contact with this lead */
  @ApiProperty({ type: 'string', format: 'date-time', required: false, nullable: true })
  lastContacted: Date | null;

  /** Whether the lead is archived */
  @ApiProperty({ type: 'boolean', required: false, default: false })
  archived: boolean;

  /** Email of the user who created the lead */
  @ApiProperty({ type: 'string', required: false })
  createdBy: string;

  /** Set when this lead was merged into another (POST /leads/{id}/merge): the target's id. Such a lead is archived. */
  @ApiProperty({ type: 'integer', required: false, nullable: true, readOnly: true, example: null })
  mergedIntoId: number | null;

  /** First-touch timer: when the assignee must touch the lead (POST /leads/{id}/touch, or a change by them) before it is reassigned; null when no timer runs */
  @ApiProperty({ type: 'string', format: 'date-time', required: false, nullable: true, readOnly: true, example: null })
  firstTouchDueAt: Date | null;

  /** When the assignee the timer ran for first touched the lead; null when not applicable */
  @ApiProperty({ type: 'string', format: 'date-time', required: false, nullable: true, readOnly: true, example: null })
  firstTouchedAt: Date | null;

  /** When the lead was created */
  @ApiProperty({ type: 'string', format: 'date-time', required: false, readOnly: true })
  createdAt: Date;

  /** When the lead was last updated */
  @ApiProperty({ type: 'string', format: 'date-time', required: false, readOnly: true })
  updatedAt: Date;

  /** Comprehensive audit log of all significant events and actions performed on the lead */
  @ApiProperty({ type: () => [AuditEntryDto], required: false, readOnly: true })
  auditLog?: AuditEntryDto[];
}

/** A `leads` row as `SELECT ${LEAD_COLUMNS}` returns it. */
export interface LeadRow {
  id: number;
  account_id: string;
  team_id: number | null;
  lead_source_id: number | null;
  application_id: string | null;
  first_name: string;
  last_name: string;
  img_src: string | null;
  email: string | null;
  phone: string | null;
  company: string | null;
  job_title: string | null;
  branch: string | null;
  source: string | null;
  position: string | null;
  location: string | null;
  products_services_sold: string | null;
  number_of_employees: number | null;
  current_payment_processor: string | null;
  /** bigint: node-postgres hands it over as a string */
  monthly_transaction_volume: string | null;
  interested_in_switching: boolean | null;
  process_stage: string | null;
  buying_role: string | null;
  assigned_to: string | null;
  notes: string | null;
  last_contacted: Date | null;
  archived: boolean;
  created_by: string;
  merged_into_id: number | null;
  first_touch_due_at: Date | null;
  first_touched_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const LEAD_COLUMNS = `id, account_id, team_id, lead_source_id, application_id, first_name, last_name, img_src, email,
  phone, company, job_title, branch, source, position, location, products_services_sold, number_of_employees,
  current_payment_processor, monthly_transaction_volume, interested_in_switching, process_stage, buying_role,
  assigned_to, notes, last_contacted, archived, created_by, merged_into_id, first_touch_due_at, first_touched_at, created_at, updated_at`;

/** The API's `Lead` of a row; `auditLog` only where the route includes it (not in lists). */
export function toLeadDto(r: LeadRow, auditLog?: AuditEntryDto[]): LeadDto {
  const lead: LeadDto = {
    id: numericId(r.id),
    accountId: String(r.account_id),
    teamId: numericId(r.team_id),
    leadSourceId: numericId(r.lead_source_id),
    applicationId: r.application_id,
    firstName: r.first_name,
    lastName: r.last_name,
    imgSrc: r.img_src,
    email: r.email,
    phone: r.phone,
    company: r.company,
    jobTitle: r.job_title,
    branch: r.branch,
    source: r.source,
    position: r.position,
    location: r.location,
    productsServicesSold: r.products_services_sold,
    numberOfEmployees: r.number_of_employees,
    currentPaymentProcessor: r.current_payment_processor,
    monthlyTransactionVolume: r.monthly_transaction_volume === null ? null : Number(r.monthly_transaction_volume),
    interestedInSwitching: r.interested_in_switching,
    processStage: r.process_stage,
    buyingRole: r.buying_role,
    assignedTo: r.assigned_to,
    notes: r.notes,
    lastContacted: r.last_contacted,
    archived: r.archived,
    createdBy: r.created_by,
    mergedIntoId: numericId(r.merged_into_id),
    firstTouchDueAt: r.first_touch_due_at ?? null,
    firstTouchedAt: r.first_touched_at ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (auditLog) lead.auditLog = auditLog;
  return lead;
}
