import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { IsInstant } from '../../audit/dto/audit-query.dto';
import { PageQueryDto, toInteger } from '../../common/pagination/page-query.dto';
import { IsUserEmail, MAX_ID, TEXT_MAX } from './lead-validation';
import { NoNulCharacter } from '../../common/validation/no-nul';

export const ARCHIVED_FILTERS = ['false', 'true', 'all'] as const;
export type ArchivedFilter = (typeof ARCHIVED_FILTERS)[number];

/** Shortest `q`: one character matches nearly every lead and says nothing. */
export const Q_MIN = 2;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** The query of GET /leads: filters (all combined with AND), then `limit` and `cursor`. */
export class ListLeadsQueryDto extends PageQueryDto {
  /** Only leads of this team */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  @ApiProperty({ type: 'integer', required: false, example: 12 })
  teamId?: number;

  /** Only leads of this lead source */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  @ApiProperty({ type: 'integer', required: false, example: 31 })
  leadSourceId?: number;

  /** Only leads assigned to this user (email, compared case-insensitively) */
  @IsOptional()
  @IsUserEmail()
  @ApiProperty({ type: 'string', required: false, example: 'alice@example.com' })
  assignedTo?: string;

  /** Only leads at exactly this process stage (case-sensitive, as stored) */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @Length(1, TEXT_MAX)
  @ApiProperty({ type: 'string', required: false, example: 'qualified' })
  processStage?: string;

  /** Only leads created by this user (email, compared case-insensitively) */
  @IsOptional()
  @IsUserEmail()
  @ApiProperty({ type: 'string', required: false, example: 'bob@example.com' })
  createdBy?: string;

  /** `false` (the default): live leads only; `true`: archived leads only; `all`: both */
  @IsOptional()
  @IsIn(ARCHIVED_FILTERS, { message: 'archived must be true, false or all' })
  @ApiProperty({ enum: ARCHIVED_FILTERS, enumName: 'ArchivedFilter', required: false, default: 'false' })
  archived?: ArchivedFilter = 'false';

  /**
   * Case-insensitive substring of the first name, last name, email, company or phone (any of them);
   * `%` and `_` are plain characters. Trimmed; 2 to 255 characters, no control characters.
   */
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(Q_MIN, TEXT_MAX, { message: `q must be ${Q_MIN} to ${TEXT_MAX} characters (after trimming spaces)` })
  // C0 and C1 control characters; spelled as ranges so the OpenAPI `pattern` needs no Unicode flag
  @Matches(/^[^\u0000-\u001f\u007f-\u009f]*$/, { message: 'q must not contain control characters' })
  @ApiProperty({ type: 'string', required: false, minLength: Q_MIN, maxLength: TEXT_MAX, example: 'smith' })
  q?: string;

  /** Leads created at or after this instant: an ISO 8601 date-time with a time zone, or a date (midnight UTC) */
  @IsOptional()
  @IsInstant()
  @ApiProperty({ type: 'string', format: 'date-time', required: false, example: '2025-05-01T00:00:00Z' })
  createdFrom?: string;

  /** Leads created before this instant (exclusive): an ISO 8601 date-time with a time zone, or a date (midnight UTC) */
  @IsOptional()
  @IsInstant()
  @ApiProperty({ type: 'string', format: 'date-time', required: false, example: '2025-06-01T00:00:00Z' })
  createdTo?: string;
}
