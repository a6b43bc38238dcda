import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { toStrictBoolean } from './lead-validation';

export class CreateLeadQueryDto {
  /** Optional flag to skip the team and lead source requirement, even if teams exist in the account */
  @IsOptional()
  @Transform(toStrictBoolean)
  @IsBoolean({ message: 'skipTeamAndSourceRequirement must be true or false' })
  skipTeamAndSourceRequirement?: boolean;
}
