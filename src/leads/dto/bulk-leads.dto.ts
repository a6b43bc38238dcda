import { ApiProperty, ApiSchema, getSchemaPath } from '@nestjs/swagger';
import { ArrayMinSize, IsArray } from 'class-validator';
import type { FieldError } from '../../common/http/validation.exception';
import { LeadInputDto } from './lead-input.dto';
import { LeadDto } from './lead.dto';

/** The most leads one POST /leads/bulk takes. */
export const MAX_BULK_LEADS = 1000;

@ApiSchema({ name: 'BulkLeads', description: 'Leads to create, each judged and assigned as if POSTed alone, in array order' })
export class BulkLeadsDto {
  /** 1 to 1000 LeadInputs; each is validated on its own (a bad one fails alone, in its result) */
  @IsArray()
  @ArrayMinSize(1, { message: 'leads must hold at least one lead' })
  @ApiProperty({ type: () => [LeadInputDto], minItems: 1, maxItems: MAX_BULK_LEADS })
  leads: unknown[];
}

@ApiSchema({ name: 'BulkCreated', description: 'A lead of the batch that was created' })
export class BulkCreatedDto {
  /** Its 0-based position in `leads` (for an import: its 1-based data row number) */
  @ApiProperty({ type: 'integer', example: 0 })
  index: number;

  /** 201, as POST /leads would have answered */
  @ApiProperty({ type: 'integer', example: 201 })
  status: number;

  @ApiProperty({ type: () => LeadDto })
  lead: LeadDto;
}

@ApiSchema({ name: 'BulkFailed', description: 'A lead of the batch that was not created, with the answer POST /leads would have given' })
export class BulkFailedDto {
  /** Its 0-based position in `leads` (for an import: its 1-based data row number) */
  @ApiProperty({ type: 'integer', example: 1 })
  index: number;

  /** 400, 403 or 409, as POST /leads would have answered */
  @ApiProperty({ type: 'integer', example: 409 })
  status: number;

  @ApiProperty({ example: 'a lead with the same email or phone already exists' })
  error: string;

  @ApiProperty({ required: false, type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } })
  details?: FieldError[];

  /** For a 409 duplicate: the leads it matches */
  @ApiProperty({
    required: false,
    type: 'array',
    items: { type: 'object', properties: { id: { type: 'integer' }, matchedOn: { type: 'array', items: { type: 'string', enum: ['email', 'phone'] } } } },
  })
  duplicates?: { id: number; matchedOn: string[] }[];
}

@ApiSchema({ name: 'BulkResult', description: 'What became of each lead of a bulk create or import, in order' })
export class BulkResultDto {
  /** How many leads were created */
  @ApiProperty({ type: 'integer', example: 1 })
  created: number;

  /** How many were not */
  @ApiProperty({ type: 'integer', example: 1 })
  failed: number;

  @ApiProperty({ type: 'array', items: { oneOf: [{ $ref: getSchemaPath(BulkCreatedDto) }, { $ref: getSchemaPath(BulkFailedDto) }] } })
  results: (BulkCreatedDto | BulkFailedDto)[];
}
