import { ApiHideProperty, ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsDateTime, IsUserEmail, MAX_ID, ReadOnlyField } from './lead-validation';
import { NoNulCharacter } from '../../common/validation/no-nul';

/**
 * The body of `POST /leads`, field for field the seed's `LeadInput`. Optional fields may be absent or
 * `null` (which means absent). Read-only fields of a `Lead` are refused by name.
 */
@ApiSchema({ name: 'LeadInput', description: 'Input for creating a new lead' })
export class LeadInputDto {
  /** ID of the team associated with this lead. Required if teams exist in the account, unless skipTeamAndSourceRequirement=true. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  @ApiProperty({ type: 'integer', required: false, example: 12 })
  teamId?: number | null;

  /** ID of the lead source associated with this lead. Required if the team has lead sources, unless skipTeamAndSourceRequirement=true. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  @ApiProperty({ type: 'integer', required: false, example: 31 })
  leadSourceId?: number | null;

  /** Lead's first name */
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @Matches(/\S/, { message: 'firstName must not be blank' })
  @ApiProperty({ example: 'Ada' })
  firstName: string;

  /** Lead's last name */
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @Matches(/\S/, { message: 'lastName must not be blank' })
  @ApiProperty({ example: 'Lovelace' })
  lastName: string;

  /** URL to lead's profile image */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'imgSrc must be an http or https URL' })
  @ApiProperty({ required: false, example: 'https://example.com/avatars/ada.png' })
  imgSrc?: string | null;

  /** Lead's email address */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @IsEmail({}, { message: 'email must be an email address' })
  @ApiProperty({ required: false, example: 'ada@example.com' })
  email?: string | null;

  /** Lead's phone number */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @ApiProperty({ required: false, example: '+44 20 7946 0958' })
  phone?: string | null;

  /** Company name */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @ApiProperty({ required: false, example: 'Analytical Engines Ltd' })
  company?: string | null;

  /** Lead's job title */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @ApiProperty({ required: false, example: 'Head of Payments' })
  jobTitle?: string | null;

  /** Branch location */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @ApiProperty({ required: false, example: 'London' })
  branch?: string | null;

  /** Text description of lead source */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @ApiProperty({ required: false, example: 'Website form' })
  source?: string | null;

  /** Position within company */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @ApiProperty({ required: false, example: 'Finance' })
  position?: string | null;

  /** Geographic location */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @ApiProperty({ required: false, example: 'London, UK' })
  location?: string | null;

  /** Products or services the lead sells */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @ApiProperty({ required: false, example: 'Calculating machines' })
  productsServicesSold?: string | null;

  /** Number of employees at the lead's company */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ID)
  @ApiProperty({ type: 'integer', required: false, example: 45 })
  numberOfEmployees?: number | null;

  /** Lead's current payment processor */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @ApiProperty({ required: false, example: 'Stripe' })
  currentPaymentProcessor?: string | null;

  /** Monthly transaction volume in dollars */
  @IsOptional()
  @IsInt()
  @Min(0)
  // JSON numbers past 2^53 - 1 are not exact integers any more
  @Max(Number.MAX_SAFE_INTEGER)
  @ApiProperty({ type: 'integer', required: false, example: 125000 })
  monthlyTransactionVolume?: number | null;

  /** Whether the lead is interested in switching services */
  @IsOptional()
  @IsBoolean()
  @ApiProperty({ required: false, example: true })
  interestedInSwitching?: boolean | null;

  /** Current stage in the sales process */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @ApiProperty({ required: false, example: 'qualified' })
  processStage?: string | null;

  /** Lead's role in buying decisions */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  @ApiProperty({ required: false, example: 'Decision maker' })
  buyingRole?: string | null;

  /** User assigned to this lead. If not provided, will be automatically assigned using lead rotation if available. */
  @IsOptional()
  @IsUserEmail()
  @ApiProperty({ type: 'string', required: false, maxLength: 255, example: 'alice@example.com' })
  assignedTo?: string | null;

  /** General notes about the lead */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @MaxLength(10000)
  @ApiProperty({ required: false, example: 'Met at the fintech meetup; wants lower card fees.' })
  notes?: string | null;

  /** Date and time of last contact with this lead */
  @IsOptional()
  @IsDateTime()
  @ApiProperty({ type: 'string', format: 'date-time', required: false, example: '2025-05-01T14:30:00Z' })
  lastContacted?: string | null;

  /** Whether the lead is archived */
  @IsOptional()
  @IsBoolean()
  @ApiProperty({ required: false, example: false })
  archived?: boolean | null;

  /** Email of the user who created the lead. If not provided, will be set to the current user's email. */
  @IsOptional()
  @IsUserEmail()
  @ApiProperty({ type: 'string', required: false, maxLength: 255, example: 'alice@example.com' })
  createdBy?: string | null;

  // Read-only fields of a Lead: named in the 400 rather than "not a known field".
  @ApiHideProperty()
  @ReadOnlyField()
  id?: unknown;

  @ApiHideProperty()
  @ReadOnlyField()
  accountId?: unknown;

  @ApiHideProperty()
  @ReadOnlyField()
  applicationId?: unknown;

  @ApiHideProperty()
  @ReadOnlyField()
  createdAt?: unknown;

  @ApiHideProperty()
  @ReadOnlyField()
  updatedAt?: unknown;

  @ApiHideProperty()
  @ReadOnlyField()
  auditLog?: unknown;

  @ApiHideProperty()
  @ReadOnlyField()
  mergedIntoId?: unknown;
}
