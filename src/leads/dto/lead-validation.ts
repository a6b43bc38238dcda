import { applyDecorators } from '@nestjs/common';
import { NormalizedEmail } from '../../common/validation/decorators';
import { IsEmail, IsISO8601, IsString, Matches, MaxLength, ValidateBy, ValidateIf } from 'class-validator';

/** Largest id of an `integer` identity column. */
export const MAX_ID = 2_147_483_647;

/** How long an ordinary lead text field may be. */
export const TEXT_MAX = 255;

/** A user of the account, known by lower-cased email (assignedTo, createdBy). */
export const IsUserEmail = () =>
  applyDecorators(NormalizedEmail(), IsString(), MaxLength(TEXT_MAX), IsEmail({}, { message: '$property must be an email address' }));

/**
 * An ISO 8601 date-time with a time and a UTC offset (RFC 3339, the `date-time` format), e.g.
 * `2025-05-01T14:30:00Z` or `2025-05-01T16:30:00.250+02:00`; a date alone is refused as ambiguous.
 */
export const IsDateTime = () =>
  applyDecorators(
    IsString(),
    Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/i, {
      message: '$property must be an ISO 8601 date-time with a time zone, e.g. 2025-05-01T14:30:00Z',
    }),
    IsISO8601({ strict: true }, { message: '$property must be a valid date-time' }),
  );

/**
 * A field the server sets (id, accountId, ...): present in a request body, even as null, it is refused
 * with a sentence saying so, instead of the generic "not a known field".
 */
export const ReadOnlyField = () =>
  applyDecorators(
    ValidateIf((_object, value) => value !== undefined),
    ValidateBy({
      name: 'readOnly',
      validator: { validate: () => false, defaultMessage: (a) => `${a?.property} is read-only: the server sets it` },
    }),
  );

/** Strictly `true` or `false` in a query string; anything else stays as is, so IsBoolean refuses it. */
export const toStrictBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/**
 * Refuses `null`, with a sentence saying why, for a field a PATCH may change but not clear (firstName,
 * lastName, archived, createdBy). Only meaningful on a property without IsOptional, which skips null.
 */
export const NotNull = () =>
  ValidateBy({
    name: 'notNull',
    validator: { validate: (value) => value !== null, defaultMessage: (a) => `${a?.property} cannot be null: the field cannot be cleared` },
  });
