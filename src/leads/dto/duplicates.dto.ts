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

@ApiSchema({ name: 'DuplicateRef', description: 'A live lead a new lead duplicates' })
export class DuplicateRefDto {
  @ApiProperty({ type: 'integer', example: 42 })
  id: number;

  @ApiProperty({ enum: ['email', 'phone'], isArray: true, example: ['email'] })
  matchedOn: ('email' | 'phone')[];
}

/** The 409 of POST /leads: the contract's error body; under `reject`, with the leads it duplicates. */
@ApiSchema({ name: 'DuplicateConflict', description: 'An error body; for a duplicate under reject, with the live leads it matches' })
export class DuplicateConflictDto {
  /** One clear sentence */
  @ApiProperty({ example: 'a lead with the same email or phone already exists' })
  error: string;

  /** Under the reject duplicate policy: the live leads with the same email or phone, newest first */
  @ApiProperty({ type: () => [DuplicateRefDto], required: false })
  duplicates?: DuplicateRefDto[];
}
