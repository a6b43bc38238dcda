import { ApiProperty } from '@nestjs/swagger';

export const ASSIGNMENT_REASONS = ['rotation', 'default_rotation', 'named', 'duplicate_owner', 'first_touch_sla', 'manual'] as const;
export const SKIP_REASONS = ['inactive', 'away', 'outside_working_hours', 'day_cap_reached', 'week_cap_reached', 'already_had_lead'] as const;

export class AssignmentCandidateDto {
  @ApiProperty({ format: 'email', example: 'alice@example.com' })
  user: string;

  @ApiProperty({ type: 'integer', example: 1 })
  weight: number;

  /** True exactly when `skipped` is null */
  eligible: boolean;

  /** Why the member could not take the lead; null when eligible */
  @ApiProperty({ type: 'string', enum: [...SKIP_REASONS, null], nullable: true, example: null })
  skipped: (typeof SKIP_REASONS)[number] | null;
}

export class LeadAssignmentDto {
  /** When the lead got this assignee */
  @ApiProperty({ type: 'string', format: 'date-time' })
  at: string;

  @ApiProperty({ format: 'email', example: 'alice@example.com' })
  user: string;

  /** The assignee before (null: none) */
  @ApiProperty({ type: 'string', format: 'email', nullable: true, example: null })
  previousUser: string | null;

  @ApiProperty({ enum: ASSIGNMENT_REASONS, enumName: 'AssignmentReason', example: 'rotation' })
  reason: (typeof ASSIGNMENT_REASONS)[number];

  /** The rotation that chose; null when none did (named, manual) */
  @ApiProperty({ type: 'integer', nullable: true, example: 5 })
  rotationId: number | null;

  /** Every member of the rotation that chose, and why each was skipped; only when a rotation chose */
  @ApiProperty({ type: [AssignmentCandidateDto], required: false })
  candidates?: AssignmentCandidateDto[];
}

export class LeadAssignmentPageDto {
  @ApiProperty({ type: [LeadAssignmentDto] })
  data: LeadAssignmentDto[];

  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}
