import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, Max, Min } from 'class-validator';
import { MAX_ID } from './lead-validation';

/** The most sources one merge takes. */
export const MAX_MERGE_SOURCES = 20;

@ApiSchema({ name: 'MergeLeads', description: 'The leads to merge into the target (the lead of the path)' })
export class MergeLeadsDto {
  /** Ids of the leads to merge into the target: 1 to 20 distinct leads of this account, the target not among them */
  @IsArray()
  @ArrayMinSize(1, { message: 'sourceIds must list at least one lead' })
  @ArrayMaxSize(MAX_MERGE_SOURCES, { message: `sourceIds must list at most ${MAX_MERGE_SOURCES} leads` })
  @ArrayUnique({ message: 'sourceIds must not repeat an id' })
  @IsInt({ each: true, message: 'each of sourceIds must be an integer id' })
  @Min(1, { each: true, message: 'each of sourceIds must be a positive id' })
  @Max(MAX_ID, { each: true, message: 'each of sourceIds must be a positive id' })
  @ApiProperty({ type: 'integer', isArray: true, minItems: 1, maxItems: MAX_MERGE_SOURCES, example: [43, 57] })
  sourceIds: number[];
}
