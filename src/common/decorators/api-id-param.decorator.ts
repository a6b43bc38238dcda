import { ApiParam } from '@nestjs/swagger';
import { MAX_ID } from '../pipes/params';

/** Documents a path id as IdParamPipe reads it: a positive 32-bit integer (without it the schema says `number`). */
export const ApiIdParam = (name: string, description: string) =>
  ApiParam({ name, description, schema: { type: 'integer', minimum: 1, maximum: MAX_ID }, example: 12 });
