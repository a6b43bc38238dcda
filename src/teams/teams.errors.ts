import { DomainError } from '../common/errors/domain-error';

export type TeamErrorCode = 'not_found' | 'name_taken';

/** A failure of the teams feature. */
export class TeamError extends DomainError<TeamErrorCode> {}

/** The teams feature's failures, each with its user-facing sentence, in one place. */
export const TeamErrors = {
  notFound: () => new TeamError('not_found', 'team not found', 'not_found'),
  nameTaken: () => new TeamError('name_taken', 'a team with this name already exists in the account', 'conflict'),
};
