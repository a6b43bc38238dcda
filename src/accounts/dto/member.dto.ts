import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn } from 'class-validator';
import { IsUserEmail, OptionalNotNull } from '../../common/validation/decorators';
import { ROLES, type Role } from '../roles';

export class AddMemberDto {
  /** The user's email; lower-cased */
  @IsUserEmail()
  email: string;

  /** Role in the account. Admins may grant viewer, agent and manager; owners any role */
  @IsIn(ROLES)
  @ApiProperty({ enum: ROLES, enumName: 'Role', example: 'agent' })
  role: Role;
}

export class UpdateMemberDto {
  /** New role */
  @OptionalNotNull()
  @IsIn(ROLES)
  @ApiProperty({ enum: ROLES, enumName: 'Role', required: false, example: 'manager' })
  role?: Role;

  /** false deactivates the member: they can no longer act in the account and rotations skip them */
  @OptionalNotNull()
  @IsBoolean()
  @ApiProperty({ required: false, example: true })
  active?: boolean;
}

export class MemberDto {
  @ApiProperty({ format: 'email', example: 'alice@example.com' })
  email: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role: Role;

  /** Inactive members cannot act in the account */
  active: boolean;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updatedAt: Date;
}

export class MemberPageDto {
  data: MemberDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}
