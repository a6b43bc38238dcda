import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Max, Min, registerDecorator, ValidateNested, type ValidationArguments } from 'class-validator';
import { IsName, IsUserEmail, OptionalNotNull } from '../../common/validation/decorators';

export const MAX_ROTATION_MEMBERS = 100;

export const MAX_CAP = 10_000;

/** An integer 1..10000 or absent/null (no cap). */
function IsCap(): PropertyDecorator {
  return (target, key) =>
    registerDecorator({
      name: 'isCap',
      target: target.constructor,
      propertyName: key as string,
      validator: {
        validate: (value: unknown) => value === undefined || value === null || (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_CAP),
        defaultMessage: (args?: ValidationArguments) => `${args?.property} must be an integer from 1 to ${MAX_CAP}`,
      },
    });
}

export class MemberCapsDto {
  /** At most this many leads through this rotation in the member's local calendar day (1..10000; absent or null: no cap) */
  @IsCap()
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_CAP, nullable: true, required: false, example: 20 })
  day?: number | null;

  /** At most this many in the member's local ISO week, from Monday 00:00 (1..10000; absent or null: no cap) */
  @IsCap()
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_CAP, nullable: true, required: false, example: 80 })
  week?: number | null;
}

export const MIN_FIRST_TOUCH_SECONDS = 30;
export const MAX_FIRST_TOUCH_SECONDS = 604_800;
export const MAX_REASSIGNMENTS = 10;

/** An integer in [min, max], or null when `nullable` (absent is left to @IsOptional / OptionalNotNull). */
function IsIntegerIn(min: number, max: number, nullable: boolean): PropertyDecorator {
  return (target, key) =>
    registerDecorator({
      name: 'isIntegerIn',
      target: target.constructor,
      propertyName: key as string,
      validator: {
        validate: (value: unknown) => (nullable && value === null) || (Number.isInteger(value) && (value as number) >= min && (value as number) <= max),
        defaultMessage: (args?: ValidationArguments) => `${args?.property} must be an integer from ${min} to ${max}${nullable ? ' or null' : ''}`,
      },
    });
}

export class RotationMemberInputDto {
  /** Email of an active member of the account; lower-cased */
  @IsUserEmail()
  user: string;

  /** Caps on the leads this rotation gives the member, counted in the member's own time zone */
  @IsOptional()
  @ValidateNested({ message: 'caps must be an object {day?, week?}' })
  @Type(() => MemberCapsDto)
  @ApiProperty({ type: MemberCapsDto, nullable: true, required: false })
  caps?: MemberCapsDto | null;

  /** How many turns of every W (sum of the weights) this member gets: an integer 1..100, default 1 */
  @IsOptional()
  @IsWeight()
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100, default: 1, required: false, example: 2 })
  weight?: number | null;
}

/** An integer 1..100, with one message whatever is wrong with it. */
function IsWeight(): PropertyDecorator {
  return (target, key) =>
    registerDecorator({
      name: 'isWeight',
      target: target.constructor,
      propertyName: key as string,
      validator: {
        validate: (value: unknown) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 100,
        defaultMessage: () => 'weight must be an integer from 1 to 100',
      },
    });
}

/** The members' list: an array of 1..MAX objects, no user twice; the objects themselves are validated as RotationMemberInputDto. */
function IsMemberList(): PropertyDecorator {
  const problem = (value: unknown): string | null => {
    if (!Array.isArray(value)) return `members must be an array of 1 to ${MAX_ROTATION_MEMBERS} members`;
    if (value.length === 0) return 'members must list at least one member';
    if (value.length > MAX_ROTATION_MEMBERS) return `members must list at most ${MAX_ROTATION_MEMBERS} members`;
    const users = value.map((m: unknown) => (m && typeof m === 'object' ? (m as { user?: unknown }).user : undefined)).filter((u) => typeof u === 'string');
    if (new Set(users).size !== users.length) return 'members must not list the same user twice';
    return null;
  };
  return (target, key) => {
    registerDecorator({
      name: 'isMemberList',
      target: target.constructor,
      propertyName: key as string,
      validator: {
        validate: (value: unknown) => problem(value) === null,
        defaultMessage: (args?: ValidationArguments) => problem(args?.value) ?? 'members is invalid',
      },
    });
    ValidateNested({ each: true, message: 'each member must be an object {user, weight?}' })(target, key);
    Type(() => RotationMemberInputDto)(target, key as string);
  };
}

export class CreateRotationDto {
  /** Display name; trimmed, 1..255 characters */
  @IsName()
  @ApiProperty({ example: 'Enterprise round robin' })
  name: string;

  /** The team whose leads this rotation assigns; absent or null makes it the account's default rotation */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  @ApiProperty({ type: 'integer', nullable: true, required: false, example: 12 })
  teamId?: number | null;

  /** Members in turn order (strict round robin with equal weights, starting with the first) */
  @IsMemberList()
  @ApiProperty({ type: [RotationMemberInputDto], minItems: 1, maxItems: MAX_ROTATION_MEMBERS })
  members: RotationMemberInputDto[];

  /** Whether the rotation assigns leads (default true). One active rotation per team, one active default */
  @IsOptional()
  @IsBoolean()
  @ApiProperty({ required: false, default: true })
  active?: boolean | null;

  /** Skip members who are away or outside their working hours (default false) */
  @IsOptional()
  @IsBoolean()
  @ApiProperty({ required: false, default: false })
  respectAvailability?: boolean | null;

  /**
   * First-touch timer (API.md 10): a lead this rotation assigns must be touched by its assignee within this many
   * seconds (30..604800), else it is reassigned; absent or null: off
   */
  @IsOptional()
  @IsIntegerIn(MIN_FIRST_TOUCH_SECONDS, MAX_FIRST_TOUCH_SECONDS, true)
  @ApiProperty({ type: 'integer', minimum: MIN_FIRST_TOUCH_SECONDS, maximum: MAX_FIRST_TOUCH_SECONDS, nullable: true, required: false, example: 900 })
  firstTouchSeconds?: number | null;

  /** How many times a lead is reassigned for a missed first touch before it stays put (0..10, default 2) */
  @OptionalNotNull()
  @IsIntegerIn(0, MAX_REASSIGNMENTS, false)
  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_REASSIGNMENTS, default: 2, required: false, example: 2 })
  maxReassignments?: number;
}

export class UpdateRotationDto {
  /** New name */
  @OptionalNotNull()
  @IsName()
  @ApiProperty({ required: false, example: 'Enterprise round robin' })
  name?: string;

  /** The new member list, in turn order. A different list restarts the rotation at its first member */
  @OptionalNotNull()
  @IsMemberList()
  @ApiProperty({ type: [RotationMemberInputDto], minItems: 1, maxItems: MAX_ROTATION_MEMBERS, required: false })
  members?: RotationMemberInputDto[];

  /** Activate or deactivate the rotation */
  @OptionalNotNull()
  @IsBoolean()
  @ApiProperty({ required: false, example: true })
  active?: boolean;

  /** Skip members who are away or outside their working hours */
  @OptionalNotNull()
  @IsBoolean()
  @ApiProperty({ required: false, example: true })
  respectAvailability?: boolean;

  /** First-touch timer in seconds (30..604800); null turns it off. Applies to leads assigned from now on */
  @IsOptional()
  @IsIntegerIn(MIN_FIRST_TOUCH_SECONDS, MAX_FIRST_TOUCH_SECONDS, true)
  @ApiProperty({ type: 'integer', minimum: MIN_FIRST_TOUCH_SECONDS, maximum: MAX_FIRST_TOUCH_SECONDS, nullable: true, required: false, example: 900 })
  firstTouchSeconds?: number | null;

  /** How many times a lead is reassigned for a missed first touch before it stays put (0..10) */
  @OptionalNotNull()
  @IsIntegerIn(0, MAX_REASSIGNMENTS, false)
  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_REASSIGNMENTS, required: false, example: 2 })
  maxReassignments?: number;
}

export class MemberCapsOutDto {
  @ApiProperty({ type: 'integer', required: false, example: 20 })
  day?: number;

  @ApiProperty({ type: 'integer', required: false, example: 80 })
  week?: number;
}

export class RotationMemberDto {
  @ApiProperty({ format: 'email', example: 'alice@example.com' })
  user: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100, example: 1 })
  weight: number;

  /** The member's caps; absent when the member has none */
  @ApiProperty({ type: MemberCapsOutDto, required: false })
  caps?: MemberCapsOutDto;
}

export class RotationDto {
  @ApiProperty({ type: 'integer', example: 5 })
  id: number;

  @ApiProperty({ example: '2311' })
  accountId: string;

  /** The team whose leads it assigns; null for the account's default rotation */
  @ApiProperty({ type: 'integer', nullable: true, example: 12 })
  teamId: number | null;

  @ApiProperty({ example: 'Enterprise round robin' })
  name: string;

  /** Whether it assigns leads */
  active: boolean;

  /** Whether members away or outside their working hours are skipped */
  respectAvailability: boolean;

  /** First-touch timer of the leads it assigns, in seconds; null: off */
  @ApiProperty({ type: 'integer', nullable: true, example: 900 })
  firstTouchSeconds: number | null;

  /** How many times a lead is reassigned for a missed first touch before it stays put */
  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_REASSIGNMENTS, example: 2 })
  maxReassignments: number;

  /** Members in turn order */
  @ApiProperty({ type: [RotationMemberDto] })
  members: RotationMemberDto[];

  /** Who would get the next lead through this rotation now (the routing engine: inactive, away, off-hours and capped members are skipped); null when no member is eligible */
  @ApiProperty({ type: 'string', format: 'email', nullable: true, example: 'alice@example.com' })
  nextUser: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updatedAt: Date;
}

export class RotationPageDto {
  data: RotationDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}
