import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { LeadDto } from './lead.dto';

@ApiSchema({ name: 'LeadDuplicate', description: 'A live lead that matches another on email or phone' })
export class LeadDuplicateDto {
  /** The matching lead (without auditLog) */
  @ApiProperty({ type: () => LeadDto })
  lead: LeadDto;

  /** What it matches on: the email (trimmed, lower-cased) and/or the phone (E.164 for the account's defaultCountry) */
  @ApiProperty({ enum: ['email', 'phone'], isArray: true, example: ['email'] })
  matchedOn: ('email' | 'phone')[];
}

@ApiSchema({ name: 'LeadDuplicateList', description: 'The live, unarchived leads that match a lead, newest first' })
export class LeadDuplicateListDto {
  @ApiProperty({ type: () => [LeadDuplicateDto] })
  data: LeadDuplicateDto[];
}
