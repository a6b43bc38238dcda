import { DomainError } from '../common/errors/domain-error';

export type LeadSourceErrorCode = 'not_found' | 'team_not_found' | 'name_taken';

/** A failure of the lead sources feature. */
export class LeadSourceError extends DomainError<LeadSourceErrorCode> {}

/** The lead sources feature's failures, each with its user-facing sentence, in one place. */
export const LeadSourceErrors = {
  notFound: () => new LeadSourceError('not_found', 'lead source not found', 'not_found'),
  teamNotFound: () => new LeadSourceError('team_not_found', 'team not found', 'not_found'),
  nameTaken: () => new LeadSourceError('name_taken', 'a lead source with this name already exists in the team', 'conflict'),
};
