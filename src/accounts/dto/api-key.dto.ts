import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { IsName } from '../../common/validation/decorators';
import { ROLES, type Role } from '../roles';

export class CreateApiKeyDto {
  /** What the key is for, e.g. "website form" */
  @IsName()
  @ApiProperty({ example: 'website form' })
  name: string;

  /** Role the key acts with: at most the creator's own */
  @IsIn(ROLES)
  @ApiProperty({ enum: ROLES, enumName: 'Role', example: 'agent' })
  role: Role;
}

export class ApiKeyDto {
  @ApiProperty({ type: 'integer', example: 7 })
  id: number;

  @ApiProperty({ example: 'website form' })
  name: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role: Role;

  /** The key's public beginning, to recognise it */
  @ApiProperty({ example: 'ldk_3f9a0c1b2d4e' })
  prefix: string;

  /** Email of the member who created the key; its requests act as them */
  @ApiProperty({ format: 'email' })
  createdBy: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: Date;

  /** When the key was revoked; null while it works */
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  revokedAt: Date | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  /** The secret key. Shown this once: only its hash is stored */
  @ApiProperty({ example: 'ldk_3f9a0c1b2d4e_Jx1vR1mF2d9V0x8y3s8q2A5cJbYk9xw3m7pQ4sT6uVw' })
  key: string;
}

export class ApiKeyPageDto {
  data: ApiKeyDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}
