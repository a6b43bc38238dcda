import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { TEXT_MAX } from './lead-validation';
import { NoNulCharacter } from '../../common/validation/no-nul';

/** The body of `POST /leads/{id}/convert` (may be empty). */
@ApiSchema({ name: 'LeadConversion', description: 'What a lead was converted into (the body may be empty)' })
export class ConvertLeadDto {
  /**
   * The application the lead became, 1 to 255 characters; absent or null: the server generates one,
   * `app_` followed by 24 hexadecimal characters
   */
  @IsOptional()
  @IsString()
  @NoNulCharacter()
  @Length(1, TEXT_MAX)
  @Matches(/\S/, { message: 'applicationId must not be blank' })
  @ApiProperty({ type: 'string', required: false, nullable: true, example: 'app_3f9c1e0b7a5d4c2e8f6a9b1d' })
  applicationId?: string | null;
}
