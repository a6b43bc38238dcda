import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsInstant } from './audit-query.dto';

export class AuditVerifyQueryDto {
  /** Verify the seals made at or after this instant (a date or a date-time with a time zone) */
  @IsOptional()
  @IsInstant()
  @ApiProperty({ type: 'string', format: 'date-time', required: false, example: '2026-12-01' })
  from?: string;

  /** Verify the seals made before this instant */
  @IsOptional()
  @IsInstant()
  @ApiProperty({ type: 'string', format: 'date-time', required: false, example: '2026-12-02' })
  to?: string;
}

export class AuditMismatchDto {
  /** The first seal that does not hold */
  @ApiProperty({ type: 'integer', example: 17 })
  sealId: number;

  /** The first entry of that seal found edited, deleted or inserted (the seal's first entry when the seal itself was altered) */
  @ApiProperty({ type: 'integer', example: 4242 })
  entryId: number;
}

@ApiSchema({ name: 'AuditVerification' })
export class AuditVerifyDto {
  /** Whether every seal checked holds */
  ok: boolean;
  /** Entries covered by the seals checked */
  @ApiProperty({ type: 'integer', example: 1200 })
  entries: number;
  /** Seals checked */
  @ApiProperty({ type: 'integer', example: 3 })
  seals: number;
  /** null when every seal holds */
  @ApiProperty({
    type: 'object',
    nullable: true,
    required: ['sealId', 'entryId'],
    properties: {
      sealId: { type: 'integer', description: 'The first seal that does not hold', example: 17 },
      entryId: { type: 'integer', description: 'The first entry of that seal found edited, deleted or inserted (its first entry when the seal itself was altered)', example: 4242 },
    },
    example: null,
  })
  firstMismatch: AuditMismatchDto | null;
}
