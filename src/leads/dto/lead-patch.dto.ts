import { ApiHideProperty, ApiProperty, ApiSchema, OmitType, PartialType } from '@nestjs/swagger';
import { IsBoolean, ValidateBy, ValidateIf } from 'class-validator';
import { IsUserEmail, NotNull } from './lead-validation';
import { LeadInputDto } from './lead-input.dto';

const presentEvenIfNull = () => ValidateIf((_object, value) => value !== undefined);

const PartialLeadInput = PartialType(OmitType(LeadInputDto, ['archived', 'createdBy', 'applicationId'] as const), {
  // null is validated, not skipped: fields without IsOptional in LeadInput (firstName, lastName) refuse it
  skipNullProperties: false,
});
// firstName and lastName keep LeadInput's validators and documentation; a null also gets this clear sentence.
// Added to the mapped class, not to LeadPatchDto: class-validator drops a parent's validators of a property
// that the child class decorates itself.
NotNull()(PartialLeadInput.prototype, 'firstName');
NotNull()(PartialLeadInput.prototype, 'lastName');

/**
 * The body of `PATCH /leads/{id}`: any fields of a LeadInput, with the same bounds. An absent field is left
 * as it is; `null` clears an optional field; firstName, lastName, archived and createdBy cannot be cleared.
 * Read-only fields, applicationId included (POST /leads/{id}/convert sets it), are refused by name.
 */
@ApiSchema({ name: 'LeadPatch', description: 'A partial LeadInput: the fields to change (null clears an optional field)' })
export class LeadPatchDto extends PartialLeadInput {
  /** Whether the lead is archived (changing it needs the archive permission: manager and up) */
  @presentEvenIfNull()
  @NotNull()
  @IsBoolean()
  @ApiProperty({ type: 'boolean', required: false, example: false })
  archived?: boolean;

  /** Email of the user who created the lead */
  @presentEvenIfNull()
  @NotNull()
  @IsUserEmail()
  @ApiProperty({ type: 'string', required: false, maxLength: 255, example: 'alice@example.com' })
  createdBy?: string;

  @ApiHideProperty()
  @presentEvenIfNull()
  @ValidateBy({
    name: 'applicationIdReadOnly',
    validator: { validate: () => false, defaultMessage: () => 'applicationId cannot be patched: POST /leads/{id}/convert sets it' },
  })
  applicationId?: unknown;
}

