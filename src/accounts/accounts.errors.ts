import { ConflictException, ForbiddenException, NotFoundException } from '@nestjs/common';

/** The user-facing sentences of the accounts feature, in one place. */
export const AccountErrors = {
  noAccess: () => new ForbiddenException('You do not have access to this account'),
  roleTooLow: () => new ForbiddenException('Your role does not allow this action'),
  cannotManageRole: () => new ForbiddenException('Your role cannot manage members with this role'),
  apiKeyRoleTooHigh: () => new ForbiddenException('An API key cannot have a role above your own'),
  apiKeyCannotCreateAccounts: () => new ForbiddenException('API keys cannot create accounts; use a user token'),
  accountNotFound: () => new NotFoundException('account not found'),
  memberNotFound: () => new NotFoundException('member not found'),
  apiKeyNotFound: () => new NotFoundException('API key not found'),
  alreadyMember: () => new ConflictException('this user is already a member of the account'),
  lastOwner: () => new ConflictException('the last owner cannot be removed, demoted or deactivated'),
};
