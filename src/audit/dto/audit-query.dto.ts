import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import { PageQueryDto, toInteger } from '../../common/pagination/page-query.dto';
import { NoNulCharacter } from '../../common/validation/no-nul';
import { NormalizedEmail } from '../../common/validation/decorators';

/**
 * A date (midnight UTC) or a date-time with its UTC offset: a date-time without one would be read in the
 * database session's time zone, so it is refused rather than guessed.
 */
export const IsInstant = () =>
  applyDecorators(
    IsDateString({ strict: true }, { message: '$property must be an ISO 8601 date or date-time, e.g. 2025-05-01 or 2025-05-01T14:30:00Z' }),
    Matches(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/, {
      message: '$property must be an ISO 8601 date or a date-time with a time zone, e.g. 2025-05-01T14:30:00Z',
    }),
  );

export const AUDIT_ENTITY_TYPES = ['lead', 'team', 'lead_source', 'rotation', 'member', 'api_key', 'account', 'webhook'] as const;

export class AuditQueryDto extends PageQueryDto {
  /** Only entries about this kind of record */
  @IsOptional()
  @IsIn(AUDIT_ENTITY_TYPES)
  @ApiProperty({ enum: AUDIT_ENTITY_TYPES, enumName: 'AuditEntityType', required: false })
  entityType?: string;

  /** Only entries about the record with this id */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @Length(1, 320)
  entityId?: string;

  /** Only entries about this lead (same as entityType=lead&entityId=…) */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @ApiProperty({ type: 'integer', minimum: 1, required: false, example: 42 })
  leadId?: number;

  /** Only entries of this event, e.g. `lead_created` */
  @IsOptional()
  @IsString()
  @Matches(/^[a-z_]{1,64}$/, { message: 'event must be an event name such as lead_created' })
  event?: string;

  /** Only entries made by this user (email) */
  @IsOptional()
  @NormalizedEmail()
  @IsString()
  @NoNulCharacter()
  @Length(1, 320)
  user?: string;

  /** Entries created at or after this ISO 8601 date-time */
  @IsOptional()
  @IsInstant()
  @ApiProperty({ type: 'string', format: 'date-time', required: false })
  from?: string;

  /** Entries created before this ISO 8601 date-time */
  @IsOptional()
  @IsInstant()
  @ApiProperty({ type: 'string', format: 'date-time', required: false })
  to?: string;
}
