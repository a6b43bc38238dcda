import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

export interface FieldError {
  field: string;
  message: string;
}

/** 400 with `details` listing every bad field. */
export class ValidationException extends BadRequestException {
  constructor(
    readonly details: FieldError[],
    message = 'Request validation failed',
  ) {
    super({ error: message, details });
  }

  static fromErrors(errors: ValidationError[]): ValidationException {
    return new ValidationException(flatten(errors, ''));
  }
}

function flatten(errors: ValidationError[], parent: string): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = !parent ? e.property : /^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`;
    const messages = Object.entries(e.constraints ?? {}).map(([name, text]) =>
      name === 'whitelistValidation' ? `${e.property} is not a known field` : text,
    );
    if (messages.length > 0) out.push({ field, message: messages.join('; ') });
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}
