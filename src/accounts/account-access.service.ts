import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { RecentMap } from '../common/recent-map';
import { AppConfig } from '../config/app-config';
import { preparedRows } from '../database/sql';
import { AccountErrors } from './accounts.errors';
import { ACTIVE_MEMBER_ROLE } from './accounts.queries';
import { isRole, lowerRole, type Role } from './roles';

const ACCOUNT_ID = /^[1-9]\d{0,17}$/;
/** Roles kept at most; beyond it the oldest entries go first. */
const MAX_CACHED = 10_000;

/** Turns a principal and an `x-account-id` value into the role the caller acts with there. */
@Injectable()
export class AccountAccessService {
  /** `account \0 email` → the member's role and until when it may be reused (active members only) */
  private readonly roles = new RecentMap<string, { role: Role; until: number }>(MAX_CACHED);
  /** Bumped by every `forget`: a role read while a change committed is not kept (it may be the old one). */
  private changes = 0;
  private readonly cacheMs: number;

  constructor(@InjectDataSource() private readonly dataSource: DataSource, config: AppConfig) {
    this.cacheMs = config.database.membershipCacheMs;
  }

  /**
   * Called after a membership change commits (role, deactivation, removal): this process stops reusing the
   * role at once. Other processes may reuse it until their cache entry expires (MEMBERSHIP_CACHE_MS).
   */
  forget(accountId: string, email: string): void {
    this.changes++;
    this.roles.delete(`${accountId}\0${email}`);
  }

  /**
   * The caller's effective role in `accountId`, or 403. An unknown account, a malformed id, a non-member,
   * an inactive member and another account's API key all get the same 403, so the answer never tells
   * whether the account exists.
   */
  async effectiveRole(principal: Principal, accountId: string): Promise<Role> {
    if (!ACCOUNT_ID.test(accountId)) throw AccountErrors.noAccess();
    if (principal.kind === 'api-key' && principal.accountId !== accountId) throw AccountErrors.noAccess();
    const role = await this.memberRole(accountId, principal.email);
    if (!role) throw AccountErrors.noAccess();
    return principal.kind === 'api-key' ? lowerRole(principal.role, role) : role;
  }

  /** The active member's role, from the cache while fresh; null for a non-member (never cached). */
  private async memberRole(accountId: string, email: string): Promise<Role | null> {
    const key = `${accountId}\0${email}`;
    const now = Date.now();
    const cached = this.roles.get(key);
    if (cached && cached.until > now) return cached.role;
    const changesBefore = this.changes;
    const rows = await preparedRows(this.dataSource, ACTIVE_MEMBER_ROLE, { accountId, email });
    const role = rows[0]?.role;
    if (!isRole(role)) {
      this.roles.delete(key);
      return null;
    }
    if (this.cacheMs > 0 && this.changes === changesBefore) this.roles.set(key, { role, until: now + this.cacheMs });
    return role;
  }
}
