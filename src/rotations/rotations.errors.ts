import { ConflictException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { ValidationException, type FieldError } from '../common/http/validation.exception';

/** The user-facing sentences of the rotations feature, in one place. */
export const RotationErrors = {
  notFound: () => new NotFoundException('rotation not found'),
  teamNotFound: () => new ValidationException([{ field: 'teamId', message: 'team not found' }], 'team not found'),
  notActiveMembers: (details: FieldError[]) => new ValidationException(details, 'rotation members must be active members of the account'),
  activeTeamRotationExists: () => new ConflictException('the team already has an active rotation; deactivate or delete it first'),
  activeDefaultExists: () => new ConflictException('the account already has an active default rotation; deactivate or delete it first'),
  /** Only when a rotation changed under an assignment several times running (a storm of concurrent edits). */
  keptChanging: () => new ConflictException('the rotation changed while a lead was being assigned; retry the request'),
  /** The rotation's row stayed locked by other requests past the lock timeout; nothing was written (503 + Retry-After). */
  busy: () =>
    Object.assign(new ServiceUnavailableException('the rotation is busy with other leads; retry the request shortly'), { retryAfter: 1 }),
};
