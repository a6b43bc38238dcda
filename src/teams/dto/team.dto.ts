import { ApiProperty } from '@nestjs/swagger';
import { IsName, OptionalNotNull } from '../../common/validation/decorators';
import type { TeamEntity } from '../team.entity';
import { numericId } from '../../database/numeric-id';

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

export const toTeamDto = (team: TeamEntity): TeamDto => ({
  id: numericId(team.id),
  accountId: team.accountId,
  name: team.name,
  createdAt: team.createdAt,
  updatedAt: team.updatedAt,
});
