import { ApiProperty } from '@nestjs/swagger';
import { IsName } from '../../common/validation/decorators';
import { ROLES, type Role } from '../roles';

export class CreateAccountDto {
  /** Display name of the account */
  @IsName()
  @ApiProperty({ example: 'Acme Payments' })
  name: string;
}

export class RenameAccountDto extends CreateAccountDto {}

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

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: Date;
}

export class AccountPageDto {
  data: AccountDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}
