import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { preparedRows } from '../database/sql';
import { AccountErrors } from './accounts.errors';
import { isRole, lowerRole, type Role } from './roles';

const ACCOUNT_ID = /^[1-9]\d{0,17}$/;

/** Turns a principal and an `x-account-id` value into the role the caller acts with there. */
@Injectable()
export class AccountAccessService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The caller's effective role in `accountId`, or 403. An unknown account, a malformed id, a non-member,
   * an inactive member and another account's API key all get the same 403, so the answer never tells
   * whether the account exists.
   */
  async effectiveRole(principal: Principal, accountId: string): Promise<Role> {
    if (!ACCOUNT_ID.test(accountId)) throw AccountErrors.noAccess();
    if (principal.kind === 'api-key' && principal.accountId !== accountId) throw AccountErrors.noAccess();
    const rows = await preparedRows<{ role: string }>(this.dataSource, 'SELECT role FROM memberships WHERE account_id = $1 AND email = $2 AND active', [
      accountId,
      principal.email,
    ]);
    const role = rows[0]?.role;
    if (!isRole(role)) throw AccountErrors.noAccess();
    return principal.kind === 'api-key' ? lowerRole(principal.role, role) : role;
  }
}
