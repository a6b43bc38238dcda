import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength, ValidateBy } from 'class-validator';
import { IsIanaTimeZone, IsUserEmail, OptionalNotNull } from '../../common/validation/decorators';
import { workingHoursProblems, type WorkingHours } from '../../common/availability';
import { ROLES, type Role } from '../roles';

const WORKING_HOURS_EXAMPLE = { mon: [['09:00', '12:00'], ['13:00', '17:30']], tue: [['09:00', '17:30']] };

/** null, or {mon?..sun?: up to 4 ["HH:MM","HH:MM"] intervals each, end after start ("24:00" allowed), no overlaps}. */
const IsWorkingHours = () =>
  ValidateBy({
    name: 'workingHours',
    validator: {
      validate: (value: unknown) => workingHoursProblems(value, 'workingHours').length === 0,
      defaultMessage: (a) => workingHoursProblems(a?.value, 'workingHours').map((p) => `${p.field}: ${p.message}`).join('; ') || 'workingHours is invalid',
    },
  });

/** An ISO 8601 date-time with a time zone (RFC 3339). */
const IsDateTime = () =>
  applyDecorators(
    IsString(),
    Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/i, {
      message: '$property must be an ISO 8601 date-time with a time zone, e.g. 2025-05-01T14:30:00Z',
    }),
    IsISO8601({ strict: true }, { message: '$property must be a valid date-time' }),
    ApiProperty({ type: 'string', format: 'date-time', example: '2026-12-24T00:00:00Z' }),
  );

export class AddMemberDto {
  /** The user's email; lower-cased */
  @IsUserEmail()
  email: string;

  /** Role in the account. Admins may grant viewer, agent and manager; owners any role */
  @IsIn(ROLES)
  @ApiProperty({ enum: ROLES, enumName: 'Role', example: 'agent' })
  role: Role;
}

export class UpdateMemberDto {
  /** New role */
  @OptionalNotNull()
  @IsIn(ROLES)
  @ApiProperty({ enum: ROLES, enumName: 'Role', required: false, example: 'manager' })
  role?: Role;

  /** false deactivates the member: they can no longer act in the account and rotations skip them */
  @OptionalNotNull()
  @IsBoolean()
  @ApiProperty({ required: false, example: true })
  active?: boolean;

  /** The member's IANA time zone; null: the account's. The member may set their own; managers and up anyone's */
  @IsOptional()
  @IsIanaTimeZone()
  @ApiProperty({ type: 'string', nullable: true, required: false, example: 'America/Chicago' })
  timeZone?: string | null;

  /**
   * Local working intervals per weekday (mon..sun), each a list of up to 4 ["HH:MM","HH:MM"] (end after start,
   * "24:00" allowed, no overlaps); a missing day is a day off; null: always working
   */
  @IsOptional()
  @IsWorkingHours()
  @ApiPropertyOptional({ type: 'object', nullable: true, example: WORKING_HOURS_EXAMPLE, additionalProperties: { type: 'array', items: { type: 'array', items: { type: 'string' } } } })
  workingHours?: WorkingHours | null;
}

export class CreateAwayDto {
  /** When the member is away from (inclusive) */
  @IsDateTime()
  from: string;

  /** Until when (exclusive): after `from`, at most 366 days later */
  @IsDateTime()
  until: string;

  /** Why (shown to the team), up to 255 characters */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @ApiProperty({ type: 'string', nullable: true, required: false, example: 'Vacation' })
  reason?: string | null;
}

export class AwayPeriodDto {
  @ApiProperty({ type: 'integer', example: 17 })
  id: number;

  @ApiProperty({ type: 'string', format: 'date-time' })
  from: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  until: string;

  @ApiProperty({ type: 'string', nullable: true, example: 'Vacation' })
  reason: string | null;
}

export class AwayPeriodPageDto {
  data: AwayPeriodDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}

export class MemberDto {
  @ApiProperty({ format: 'email', example: 'alice@example.com' })
  email: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role: Role;

  /** Inactive members cannot act in the account */
  active: boolean;

  /** The member's own IANA time zone; null: the account's */
  @ApiProperty({ type: 'string', nullable: true, example: 'America/Chicago' })
  timeZone: string | null;

  /** Local working intervals per weekday; null: always working */
  @ApiProperty({ type: 'object', nullable: true, example: WORKING_HOURS_EXAMPLE, additionalProperties: { type: 'array', items: { type: 'array', items: { type: 'string' } } } })
  workingHours: WorkingHours | null;

  /** Active, not away, and inside their working hours right now (in their time zone) */
  availableNow: boolean;

  /** When the away period the member is in now ends; null when not away */
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  awayUntil: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updatedAt: Date;
}

export class MemberPageDto {
  data: MemberDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}
