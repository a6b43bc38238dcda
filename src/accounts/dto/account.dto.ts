import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { IsCountryCode, IsIanaTimeZone, IsName, OptionalNotNull } from '../../common/validation/decorators';
import { DUPLICATE_POLICIES, type DuplicatePolicy } from '../account.entity';
import { ROLES, type Role } from '../roles';

export class CreateAccountDto {
  /** Display name of the account */
  @IsName()
  @ApiProperty({ example: 'Acme Payments' })
  name: string;
}

/** `PATCH /accounts/{id}`: any of the account's name and settings; absent fields keep their value. */
export class UpdateAccountDto {
  /** Display name of the account */
  @OptionalNotNull()
  @IsName()
  @ApiProperty({ example: 'Acme Payments', required: false })
  name?: string;

  /** The account's time zone: members without their own work in it, and API-key usage days are counted in it */
  @OptionalNotNull()
  @IsIanaTimeZone()
  @ApiProperty({ required: false })
  timeZone?: string;

  /** The country of phone numbers written without a country code (duplicate matching) */
  @OptionalNotNull()
  @IsCountryCode()
  @ApiProperty({ required: false })
  defaultCountry?: string;

  /** What a new lead matching a live lead does: `allow` (created as usual), `reject` (409), `assign_to_owner` */
  @OptionalNotNull()
  @IsIn(DUPLICATE_POLICIES)
  @ApiProperty({ enum: DUPLICATE_POLICIES, enumName: 'DuplicatePolicy', required: false, example: 'allow' })
  duplicatePolicy?: DuplicatePolicy;
}

/** @deprecated the body of `PATCH /accounts/{id}` is `UpdateAccountDto` (name and settings). */
export class RenameAccountDto extends UpdateAccountDto {}

/** An account, with the caller's role in it. */
export class AccountDto {
  /** Account ID, the value of the `x-account-id` header */
  @ApiProperty({ example: '2311' })
  id: string;

  @ApiProperty({ example: 'Acme Payments' })
  name: string;

  /** The caller's role in this account */
  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role: Role;

  /** IANA time zone of the account (default `UTC`) */
  @ApiProperty({ example: 'America/Chicago' })
  timeZone: string;

  /** ISO 3166-1 alpha-2 country of phone numbers without a country code (default `US`) */
  @ApiProperty({ example: 'US' })
  defaultCountry: string;

  @ApiProperty({ enum: DUPLICATE_POLICIES, enumName: 'DuplicatePolicy', example: 'allow' })
  duplicatePolicy: DuplicatePolicy;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: Date;
}

export class AccountPageDto {
  data: AccountDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}
