import { DomainError } from '../common/errors/domain-error';
import type { FieldError } from '../common/http/validation.exception';

export type RotationErrorCode =
  | 'not_found'
  | 'team_not_found'
  | 'members_not_active'
  | 'active_team_rotation_exists'
  | 'active_default_exists'
  | 'kept_changing'
  | 'busy'
  | 'bad_period';

/** A failure of the rotations feature (settings and assignment). */
export class RotationError extends DomainError<RotationErrorCode> {}

/** The rotations feature's failures, each with its user-facing sentence, in one place. */
export const RotationErrors = {
  notFound: () => new RotationError('not_found', 'rotation not found', 'not_found'),
  teamNotFound: () => new RotationError('team_not_found', 'team not found', 'invalid', [{ field: 'teamId', message: 'team not found' }]),
  notActiveMembers: (details: FieldError[]) =>
    new RotationError('members_not_active', 'rotation members must be active members of the account', 'invalid', details),
  activeTeamRotationExists: () =>
    new RotationError('active_team_rotation_exists', 'the team already has an active rotation; deactivate or delete it first', 'conflict'),
  activeDefaultExists: () =>
    new RotationError('active_default_exists', 'the account already has an active default rotation; deactivate or delete it first', 'conflict'),
  /** Only when a rotation changed under an assignment several times running (a storm of concurrent edits). */
  keptChanging: () => new RotationError('kept_changing', 'the rotation changed while a lead was being assigned; retry the request', 'conflict'),
  /** The rotation's row stayed locked by other requests past the lock timeout; nothing was written (503 + Retry-After). */
  badPeriod: () => new RotationError('bad_period', 'from must be before to', 'invalid', [{ field: 'from', message: 'from must be before to' }]),
  busy: () => new RotationError('busy', 'the rotation is busy with other leads; retry the request shortly', 'unavailable', undefined, 1),
};
