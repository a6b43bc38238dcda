import { DomainError } from '../common/errors/domain-error';

export type AccountErrorCode =
  | 'no_access'
  | 'role_too_low'
  | 'cannot_manage_role'
  | 'api_key_role_too_high'
  | 'api_key_cannot_create_accounts'
  | 'account_not_found'
  | 'member_not_found'
  | 'away_not_found'
  | 'api_key_not_found'
  | 'already_member'
  | 'last_owner';

/** A failure of the accounts feature: accounts, members, roles, API keys, and access to an account. */
export class AccountError extends DomainError<AccountErrorCode> {}

/** The accounts feature's failures, each with its user-facing sentence, in one place. */
export const AccountErrors = {
  noAccess: () => new AccountError('no_access', 'You do not have access to this account', 'forbidden'),
  roleTooLow: () => new AccountError('role_too_low', 'Your role does not allow this action', 'forbidden'),
  cannotManageRole: () => new AccountError('cannot_manage_role', 'Your role cannot manage members with this role', 'forbidden'),
  apiKeyRoleTooHigh: () => new AccountError('api_key_role_too_high', 'An API key cannot have a role above your own', 'forbidden'),
  apiKeyCannotCreateAccounts: () =>
    new AccountError('api_key_cannot_create_accounts', 'API keys cannot create accounts; use a user token', 'forbidden'),
  accountNotFound: () => new AccountError('account_not_found', 'account not found', 'not_found'),
  memberNotFound: () => new AccountError('member_not_found', 'member not found', 'not_found'),
  awayNotFound: () => new AccountError('away_not_found', 'away period not found', 'not_found'),
  apiKeyNotFound: () => new AccountError('api_key_not_found', 'API key not found', 'not_found'),
  alreadyMember: () => new AccountError('already_member', 'this user is already a member of the account', 'conflict'),
  lastOwner: () => new AccountError('last_owner', 'the last owner cannot be removed, demoted or deactivated', 'conflict'),
};
