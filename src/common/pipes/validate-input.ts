import type { Type } from '@nestjs/common';
import { AppValidationPipe } from './app-validation.pipe';

const pipe = new AppValidationPipe();

/**
 * For in-process calls: checks and converts `value` into `dto` exactly as the routes' validation pipe does a
 * request body or query (unknown fields refused, users' emails lower-cased, bounds, defaults such as a page's
 * `limit`). Resolves to the DTO instance the services expect, or rejects with the same ValidationException
 * (a 400 with `details`) as over HTTP.
 */
export async function validateInput<T extends object>(dto: Type<T>, value: unknown): Promise<T> {
  return (await pipe.transform(value, { type: 'body', metatype: dto, data: undefined })) as T;
}
