import { ApiProperty } from '@nestjs/swagger';
import { IsName, OptionalNotNull } from '../../common/validation/decorators';
import type { LeadSourceEntity } from '../lead-source.entity';
import { numericId } from '../../database/numeric-id';

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

/** A source's fields as the API shows them. */
export type LeadSourceFields = Pick<LeadSourceEntity, 'id' | 'accountId' | 'teamId' | 'name' | 'createdAt' | 'updatedAt'>;

export const toLeadSourceDto = (source: LeadSourceFields): LeadSourceDto => ({
  id: numericId(source.id),
  accountId: source.accountId,
  teamId: numericId(source.teamId),
  name: source.name,
  createdAt: source.createdAt,
  updatedAt: source.updatedAt,
});
