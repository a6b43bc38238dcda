import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength, ValidateBy, ValidateIf } from 'class-validator';
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
