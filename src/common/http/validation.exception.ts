import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

export interface FieldError {
  field: string;
  message: string;
}

/** The most problems one answer lists; the last entry then says how many more there were. */
export const MAX_DETAILS = 50;

/** 400 with `details` listing every bad field (the first MAX_DETAILS of them, then how many more). */
export class ValidationException extends BadRequestException {
  readonly details: FieldError[];

  constructor(details: FieldError[], message = 'Request validation failed') {
    const listed =
      details.length > MAX_DETAILS
        ? [...details.slice(0, MAX_DETAILS), { field: '', message: `${details.length - MAX_DETAILS} more problems not listed` }]
        : details;
    super({ error: message, details: listed });
    this.details = listed;
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
