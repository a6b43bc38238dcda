import { Injectable } from '@nestjs/common';
import type { AccountContext } from '../common/account-context';
import { inProcessContext } from '../common/account-context';
import type { RequestMeta } from '../audit/request-meta';
import { AccountAccessService } from './account-access.service';
import { AccountErrors } from './accounts.errors';
import { hasPermission, type Permission } from './roles';

/**
 * AccountContexts for in-process calls, checked as the account guard checks a request: the user's current
 * role in the account, the same 403 when they are not an active member (or the account does not exist), and
 * the same 403 when the role is below `permission`.
 */
@Injectable()
export class AccountContexts {
  constructor(private readonly access: AccountAccessService) {}

  async forMember(accountId: string | number, email: string, permission?: Permission, request?: RequestMeta): Promise<AccountContext> {
    const ctx = inProcessContext({ accountId, user: email, role: 'viewer', request });
    const role = await this.access.effectiveRole({ kind: 'user', email: ctx.user }, ctx.accountId);
    if (permission && !hasPermission(role, permission)) throw AccountErrors.roleTooLow();
    return { ...ctx, role };
  }
}
