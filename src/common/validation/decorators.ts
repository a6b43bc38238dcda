import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsISO31661Alpha2, IsString, Length, MaxLength, ValidateBy, ValidateIf } from 'class-validator';
import { IANAZone } from 'luxon';
import { EMAIL_FOLDING_MESSAGE, normalizeEmail } from '../email';
import { NoNulCharacter } from './no-nul';

/** Optional, but `null` is refused: for PATCH fields that cannot be cleared. */
export const OptionalNotNull = () => ValidateIf((_object, value) => value !== undefined);

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** A display name: trimmed, 1..255 characters. */
export const IsName = () => applyDecorators(Transform(trim), IsString(), Length(1, 255), NoNulCharacter());

/**
 * A user's email as an identity (normalizeEmail): trimmed, ASCII lower-cased, and refused when it holds a
 * character that case folding would turn into another user's email. Strings only; other values are left to
 * the validators that follow.
 */
export const NormalizedEmail = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (normalizeEmail(value) ?? value) : value)),
    ValidateBy({
      name: 'normalizedEmail',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || normalizeEmail(value) === value,
        defaultMessage: (a) => `${a?.property} ${EMAIL_FOLDING_MESSAGE}`,
      },
    }),
  );

/** A user's email, lower-cased (how users are known). */
export const IsUserEmail = () =>
  applyDecorators(
    NormalizedEmail(),
    IsString(),
    MaxLength(255),
    IsEmail({}, { message: '$property must be an email address' }),
    ApiProperty({ format: 'email', example: 'alice@example.com' }),
  );

/** An IANA time zone name (`America/Chicago`, `UTC`), checked against the tz database through Luxon. */
export const IsIanaTimeZone = () =>
  applyDecorators(
    IsString(),
    MaxLength(64),
    ValidateBy({
      name: 'ianaTimeZone',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && IANAZone.isValidZone(value),
        defaultMessage: (a) => `${a?.property} must be an IANA time zone name such as America/Chicago`,
      },
    }),
    ApiProperty({ example: 'America/Chicago', description: 'IANA time zone name' }),
  );

/** An ISO 3166-1 alpha-2 country code, upper-cased (`us` is taken as `US`). */
export const IsCountryCode = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value)),
    IsString(),
    IsISO31661Alpha2({ message: '$property must be an ISO 3166-1 alpha-2 country code such as US' }),
    ApiProperty({ example: 'US', minLength: 2, maxLength: 2, description: 'ISO 3166-1 alpha-2 country code' }),
  );
