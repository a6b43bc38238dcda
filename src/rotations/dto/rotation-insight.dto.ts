import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsInstant } from '../../audit/dto/audit-query.dto';
import { toInteger } from '../../common/pagination/page-query.dto';

export class PreviewQueryDto {
  /** How many upcoming leads to show, 1..100 (default 10) */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100)
  @ApiProperty({ type: 'integer', required: false, minimum: 1, maximum: 100, default: 10 })
  count?: number = 10;
}

export class PreviewEntryDto {
  /** Who that lead would go to through this rotation; null when no member is eligible (it would be passed on) */
  @ApiProperty({ type: 'string', format: 'email', nullable: true, example: 'alice@example.com' })
  user: string | null;
}

export class RotationPreviewDto {
  @ApiProperty({ type: [PreviewEntryDto] })
  data: PreviewEntryDto[];
}

export class StatsQueryDto {
  /** From this instant (inclusive; default: 7 days before `to`) */
  @IsOptional()
  @IsInstant()
  @ApiProperty({ type: 'string', format: 'date-time', required: false })
  from?: string;

  /** Until this instant (exclusive; default: now) */
  @IsOptional()
  @IsInstant()
  @ApiProperty({ type: 'string', format: 'date-time', required: false })
  to?: string;
}

export class MemberStatsDto {
  @ApiProperty({ format: 'email', example: 'alice@example.com' })
  user: string;

  @ApiProperty({ type: 'integer', example: 2 })
  weight: number;

  /** Leads this rotation assigned to the member in the period */
  @ApiProperty({ type: 'integer', example: 200 })
  assigned: number;

  /** assigned / total (0 when total is 0) */
  @ApiProperty({ type: 'number', minimum: 0, maximum: 1, example: 0.3333333333333333 })
  share: number;

  /** The member's weight over the sum of the current members' weights */
  @ApiProperty({ type: 'number', minimum: 0, maximum: 1, example: 0.3333333333333333 })
  expectedShare: number;
}

export class RotationStatsDto {
  @ApiProperty({ type: 'string', format: 'date-time' })
  from: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  to: string;

  /** Leads the rotation assigned in the period (to anyone, current members or not) */
  @ApiProperty({ type: 'integer', example: 600 })
  total: number;

  /** The current members, in order */
  @ApiProperty({ type: [MemberStatsDto] })
  members: MemberStatsDto[];
}
