import { AccountErrors } from '../../accounts/accounts.errors';
import { LeadSourceErrors } from '../../lead-sources/lead-sources.errors';
import { IdempotencyErrors, LeadErrors, LeadListErrors } from '../../leads/leads.errors';
import { RotationErrors } from '../../rotations/rotations.errors';
import { TeamErrors } from '../../teams/teams.errors';
import { AllExceptionsFilter } from '../filters/all-exceptions.filter';
import { DomainError } from './domain-error';

// Every failure of every feature, and the answer the contract gives it (the same status and body as when the
// factories made Nest HttpExceptions).
const FAILURES: [string, () => DomainError, number, Record<string, unknown>][] = [
  ['AccountErrors.noAccess', AccountErrors.noAccess, 403, { error: 'You do not have access to this account' }],
  ['AccountErrors.roleTooLow', AccountErrors.roleTooLow, 403, { error: 'Your role does not allow this action' }],
  ['AccountErrors.cannotManageRole', AccountErrors.cannotManageRole, 403, { error: 'Your role cannot manage members with this role' }],
  ['AccountErrors.apiKeyRoleTooHigh', AccountErrors.apiKeyRoleTooHigh, 403, { error: 'An API key cannot have a role above your own' }],
  ['AccountErrors.apiKeyCannotCreateAccounts', AccountErrors.apiKeyCannotCreateAccounts, 403, { error: 'API keys cannot create accounts; use a user token' }],
  ['AccountErrors.accountNotFound', AccountErrors.accountNotFound, 404, { error: 'account not found' }],
  ['AccountErrors.memberNotFound', AccountErrors.memberNotFound, 404, { error: 'member not found' }],
  ['AccountErrors.apiKeyNotFound', AccountErrors.apiKeyNotFound, 404, { error: 'API key not found' }],
  ['AccountErrors.alreadyMember', AccountErrors.alreadyMember, 409, { error: 'this user is already a member of the account' }],
  ['AccountErrors.lastOwner', AccountErrors.lastOwner, 409, { error: 'the last owner cannot be removed, demoted or deactivated' }],
  ['TeamErrors.notFound', TeamErrors.notFound, 404, { error: 'team not found' }],
  ['TeamErrors.nameTaken', TeamErrors.nameTaken, 409, { error: 'a team with this name already exists in the account' }],
  ['LeadSourceErrors.notFound', LeadSourceErrors.notFound, 404, { error: 'lead source not found' }],
  ['LeadSourceErrors.teamNotFound', LeadSourceErrors.teamNotFound, 404, { error: 'team not found' }],
  ['LeadSourceErrors.nameTaken', LeadSourceErrors.nameTaken, 409, { error: 'a lead source with this name already exists in the team' }],
  ['RotationErrors.notFound', RotationErrors.notFound, 404, { error: 'rotation not found' }],
  ['RotationErrors.teamNotFound', RotationErrors.teamNotFound, 400, { error: 'team not found', details: [{ field: 'teamId', message: 'team not found' }] }],
  [
    'RotationErrors.notActiveMembers',
    () => RotationErrors.notActiveMembers([{ field: 'members[0].user', message: 'a@example.com is not an active member of the account' }]),
    400,
    {
      error: 'rotation members must be active members of the account',
      details: [{ field: 'members[0].user', message: 'a@example.com is not an active member of the account' }],
    },
  ],
  ['RotationErrors.activeTeamRotationExists', RotationErrors.activeTeamRotationExists, 409, { error: 'the team already has an active rotation; deactivate or delete it first' }],
  ['RotationErrors.activeDefaultExists', RotationErrors.activeDefaultExists, 409, { error: 'the account already has an active default rotation; deactivate or delete it first' }],
  ['RotationErrors.keptChanging', RotationErrors.keptChanging, 409, { error: 'the rotation changed while a lead was being assigned; retry the request' }],
  ['LeadErrors.teamRequired', LeadErrors.teamRequired, 400, { error: 'team ID is required when teams exist in the account' }],
  ['LeadErrors.teamNotFound', LeadErrors.teamNotFound, 400, { error: 'team not found' }],
  ['LeadErrors.leadSourceRequired', LeadErrors.leadSourceRequired, 400, { error: 'lead source ID is required when the team has lead sources' }],
  ['LeadErrors.leadSourceNotFound', LeadErrors.leadSourceNotFound, 400, { error: 'lead source not found' }],
  ['LeadErrors.assigneeNotActiveMember', LeadErrors.assigneeNotActiveMember, 400, { error: 'assignedTo must be an active member of the account' }],
  ['LeadErrors.archiveNotAllowed', LeadErrors.archiveNotAllowed, 403, { error: 'Your role does not allow creating an archived lead' }],
  ['LeadErrors.archiveChangeNotAllowed', LeadErrors.archiveChangeNotAllowed, 403, { error: 'Your role does not allow archiving or unarchiving a lead' }],
  ['LeadErrors.notFound', LeadErrors.notFound, 404, { error: 'lead not found' }],
  ['LeadErrors.alreadyConverted', () => LeadErrors.alreadyConverted('app_1'), 409, { error: 'lead is already converted (applicationId "app_1")' }],
  ['LeadListErrors.invalidCursor', LeadListErrors.invalidCursor, 400, { error: 'cursor is invalid; pass a nextCursor returned by this list' }],
  ['LeadListErrors.createdRangeInverted', LeadListErrors.createdRangeInverted, 400, { error: 'createdFrom must not be after createdTo' }],
  ['IdempotencyErrors.badKey', IdempotencyErrors.badKey, 400, { error: 'Idempotency-Key must be 1 to 255 characters' }],
  [
    'IdempotencyErrors.reusedWithDifferentRequest',
    IdempotencyErrors.reusedWithDifferentRequest,
    409,
    { error: 'Idempotency-Key was already used with a different request; use a new key for a new request' },
  ],
  ['IdempotencyErrors.stillRunning', IdempotencyErrors.stillRunning, 409, { error: 'A request with this Idempotency-Key is still being processed; retry it shortly' }],
];

describe('domain errors, mapped at the edge', () => {
  const filter = new AllExceptionsFilter();

  it.each(FAILURES)('%s is answered %i with the contract body', (_name, make, status, body) => {
    const error = make();
    expect(error).toBeInstanceOf(DomainError);
    expect(error.httpStatus).toBe(status);
    expect(filter.toResponse(error)).toEqual([status, body]);
  });

  it('gives each failure of a feature its own code', () => {
    const codes = FAILURES.map(([, make]) => {
      const error = make();
      return `${error.constructor.name}.${error.code}`;
    });
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('names the error class after the feature, for logs and stack traces', () => {
    expect(TeamErrors.nameTaken().name).toBe('TeamError');
    expect(String(AccountErrors.noAccess())).toBe('AccountError: You do not have access to this account');
  });
});
