import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength, ValidateIf } from 'class-validator';
import { NoNulCharacter } from './no-nul';

/** Optional, but `null` is refused: for PATCH fields that cannot be cleared. */
export const OptionalNotNull = () => ValidateIf((_object, value) => value !== undefined);

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

/** A display name: trimmed, 1..255 characters. */
export const IsName = () => applyDecorators(Transform(trim), IsString(), Length(1, 255), NoNulCharacter());

/** A user's email, lower-cased (how users are known). */
export const IsUserEmail = () =>
  applyDecorators(
    Transform(lower),
    IsString(),
    MaxLength(255),
    IsEmail({}, { message: '$property must be an email address' }),
    ApiProperty({ format: 'email', example: 'alice@example.com' }),
  );
