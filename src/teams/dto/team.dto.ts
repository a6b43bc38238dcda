import { ApiProperty } from '@nestjs/swagger';
import { IsName, OptionalNotNull } from '../../common/validation/decorators';

export class CreateTeamDto {
  /** Team name, unique in the account (case-insensitive); trimmed, 1..255 characters */
  @IsName()
  @ApiProperty({ example: 'Enterprise sales' })
  name: string;
}

export class UpdateTeamDto {
  /** New name, unique in the account (case-insensitive) */
  @OptionalNotNull()
  @IsName()
  @ApiProperty({ example: 'Mid-market sales', required: false })
  name?: string;
}

export class TeamDto {
  @ApiProperty({ type: 'integer', example: 12 })
  id: number;

  /** The account the team belongs to */
  @ApiProperty({ example: '2311' })
  accountId: string;

  @ApiProperty({ example: 'Enterprise sales' })
  name: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updatedAt: Date;
}

export class TeamPageDto {
  data: TeamDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}

export interface TeamRow {
  id: number;
  account_id: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

export const TEAM_COLUMNS = 'id, account_id, name, created_at, updated_at';

export const toTeamDto = (r: TeamRow): TeamDto => ({
  id: r.id,
  accountId: String(r.account_id),
  name: r.name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
