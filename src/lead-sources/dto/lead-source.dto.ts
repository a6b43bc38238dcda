import { ApiProperty } from '@nestjs/swagger';
import { IsName, OptionalNotNull } from '../../common/validation/decorators';

export class CreateLeadSourceDto {
  /** Source name, unique in its team (case-insensitive); trimmed, 1..255 characters */
  @IsName()
  @ApiProperty({ example: 'Website form' })
  name: string;
}

export class UpdateLeadSourceDto {
  /** New name, unique in the team (case-insensitive) */
  @OptionalNotNull()
  @IsName()
  @ApiProperty({ example: 'Trade show', required: false })
  name?: string;
}

export class LeadSourceDto {
  @ApiProperty({ type: 'integer', example: 31 })
  id: number;

  /** The account the source belongs to */
  @ApiProperty({ example: '2311' })
  accountId: string;

  /** The team the source belongs to */
  @ApiProperty({ type: 'integer', example: 12 })
  teamId: number;

  @ApiProperty({ example: 'Website form' })
  name: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updatedAt: Date;
}

export class LeadSourcePageDto {
  data: LeadSourceDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}

export interface LeadSourceRow {
  id: number;
  account_id: string;
  team_id: number;
  name: string;
  created_at: Date;
  updated_at: Date;
}

export const LEAD_SOURCE_COLUMNS = 'id, account_id, team_id, name, created_at, updated_at';

export const toLeadSourceDto = (r: LeadSourceRow): LeadSourceDto => ({
  id: r.id,
  accountId: String(r.account_id),
  teamId: r.team_id,
  name: r.name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
