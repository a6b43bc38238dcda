import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { DUPLICATE_POLICIES, type DuplicatePolicy } from '../../accounts/account.entity';
import { CreateLeadQueryDto } from './create-lead-query.dto';

/** The query of the routes that create leads: POST /leads, /leads/bulk and /leads/import. */
export class CreateLeadsQueryDto extends CreateLeadQueryDto {
  /** The duplicate policy for this request, overriding the account's `duplicatePolicy` (API.md section 11) */
  @IsOptional()
  @IsIn(DUPLICATE_POLICIES, { message: `onDuplicate must be one of ${DUPLICATE_POLICIES.join(', ')}` })
  @ApiProperty({ enum: DUPLICATE_POLICIES, enumName: 'DuplicatePolicy', required: false, example: 'reject' })
  onDuplicate?: DuplicatePolicy;
}
