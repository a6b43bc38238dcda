import { ApiProperty } from '@nestjs/swagger';

export class FieldErrorDto {
  /** Path of the bad field, e.g. `members[0].weight` */
  @ApiProperty({ example: 'email' })
  field: string;

  /** Why the value was refused */
  @ApiProperty({ example: 'email must be an email' })
  message: string;
}

/** Every error body has this shape. */
export class ErrorResponseDto {
  /** One clear sentence */
  @ApiProperty({ example: 'team ID is required when teams exist in the account' })
  error: string;

  /** Present on validation errors: every bad field */
  @ApiProperty({ type: [FieldErrorDto], required: false })
  details?: FieldErrorDto[];
}
