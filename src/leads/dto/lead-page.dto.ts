import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { LeadDto } from './lead.dto';

@ApiSchema({ name: 'LeadPage', description: 'One page of leads, newest first (createdAt, then id, descending)' })
export class LeadPageDto {
  /** The page's leads, without their auditLog (GET /leads/{id} has it) */
  @ApiProperty({ type: () => [LeadDto] })
  data: LeadDto[];

  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true, example: 'WyIyMDI1LTA1LTAxVDE0OjMwOjAwLjEyMzQ1NloiLDQyXQ.Zm9vYmFyYmF6cXV4cXV1eA' })
  nextCursor: string | null;
}
