import { Transform } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import { PageQueryDto, toInteger } from '../../common/pagination/page-query.dto';

export const AUDIT_ENTITY_TYPES = ['lead', 'team', 'lead_source', 'rotation', 'member', 'api_key', 'account'] as const;

export class AuditQueryDto extends PageQueryDto {
  /** Only entries about this kind of record */
  @IsOptional()
  @IsIn(AUDIT_ENTITY_TYPES)
  @ApiProperty({ enum: AUDIT_ENTITY_TYPES, enumName: 'AuditEntityType', required: false })
  entityType?: string;

  /** Only entries about the record with this id */
  @IsOptional()
  @IsString()
  @MaxLength(320)
  entityId?: string;

  /** Only entries about this lead (same as entityType=lead&entityId=…) */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  leadId?: number;

  /** Only entries of this event, e.g. `lead_created` */
  @IsOptional()
  @IsString()
  @Matches(/^[a-z_]{1,64}$/, { message: 'event must be an event name such as lead_created' })
  event?: string;

  /** Only entries made by this user (email) */
  @IsOptional()
  @IsString()
  @MaxLength(320)
  user?: string;

  /** Entries created at or after this ISO 8601 date-time */
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  /** Entries created before this ISO 8601 date-time */
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;
}
