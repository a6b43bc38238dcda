import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { ValidationException } from '../http/validation.exception';
import { bodyProblem, isShapeChecked } from '../validation/body-shape';
import { documentedLimitProblem } from '../validation/documented-limits';

/**
 * The one validation pipe, on every Lead Desk controller (@LeadDeskController, never global, so a host's routes
 * keep their own): whitelist + forbid unknown fields + transform, errors in the
 * contract's `details` shape. A body must be a JSON object; a missing body validates as `{}`.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => ValidationException.fromErrors(errors),
    });
  }

  /** Path and query primitives are left as strings: dedicated pipes (IdParamPipe…) check and convert them. */
  protected override transformPrimitive(value: unknown): unknown {
    return value;
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object) {
      if (value === undefined || value === null) value = {};
      else if (typeof value !== 'object' || Array.isArray(value)) {
        throw new ValidationException([{ field: '', message: 'the request body must be a JSON object' }], 'Request body must be a JSON object');
      }
    }
    if (metadata.metatype && metadata.metatype !== Object && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      // Bounds first (in-process input and query strings; the HTTP parser has checked bodies already), then
      // arrays past their documented maximum: class-validator's work and answer would grow with either.
      const problem = isShapeChecked(value) ? null : bodyProblem(value);
      if (problem) throw new ValidationException([{ field: '', message: problem }], problem);
      const tooLong = documentedLimitProblem(metadata.metatype, value);
      if (tooLong) throw new ValidationException([tooLong]);
    }
    return super.transform(value, metadata);
  }
}
