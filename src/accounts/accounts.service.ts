import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { toPage } from '../common/pagination/page';
import type { Principal } from '../auth/principal';
import { AccountEntity } from './account.entity';
import { AccountErrors } from './accounts.errors';
import { AccountDto, AccountPageDto } from './dto/account.dto';
import { MembershipEntity } from './membership.entity';
import { isRole, lowerRole, type Role } from './roles';
import { runTransaction } from '../database/transaction';

/** An account with the caller's role in it. */
type AccountWithRole = Pick<AccountEntity, 'id' | 'name' | 'timeZone' | 'defaultCountry' | 'duplicatePolicy' | 'createdAt'> & { role: Role };

const toDto = (account: AccountWithRole): AccountDto => ({
  id: account.id,
  name: account.name,
  role: account.role,
  timeZone: account.timeZone,
  defaultCountry: account.defaultCountry,
  duplicatePolicy: account.duplicatePolicy,
  createdAt: account.createdAt,
});

/** The fields `PATCH /accounts/{id}` may change. */
const SETTINGS = ['name', 'timeZone', 'defaultCountry', 'duplicatePolicy'] as const;
type AccountSettings = Partial<Pick<AccountEntity, (typeof SETTINGS)[number]>>;

@Injectable()
export class AccountsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
  ) {}

  /** Creates an account with the caller as its owner. */
  async create(principal: Principal, actor: Actor, name: string): Promise<AccountDto> {
    if (principal.kind !== 'user') throw AccountErrors.apiKeyCannotCreateAccounts();
    return runTransaction(this.dataSource, async (m) => {
      const account = m.create(AccountEntity, { name });
      await m.insert(AccountEntity, account);
      await m.insert(MembershipEntity, { accountId: account.id, email: actor.user, role: 'owner' });
      await this.audit.record(
        m,
        account.id,
        actor,
        { event: 'account_created', entityType: 'account', entityId: account.id, data: { name } },
        { event: 'member_created', entityType: 'member', entityId: actor.user, data: { email: actor.user, role: 'owner', active: true } },
      );
      return toDto({ ...account, role: 'owner' });
    });
  }

  /** The accounts the caller is an active member of (for an API key: its own account). */
  async list(principal: Principal, query: PageQueryDto): Promise<AccountPageDto> {
    const limit = query.limit!;
    const after = query.cursor ? String(this.cursors.decode('accounts', query.cursor, 1)[0]) : '0';
    const accounts = this.dataSource
      .createQueryBuilder(MembershipEntity, 'membership')
      .innerJoin(AccountEntity, 'account', 'account.id = membership.accountId')
      .select([
        'account.id AS id',
        'account.name AS name',
        'account.timeZone AS "timeZone"',
        'account.defaultCountry AS "defaultCountry"',
        'account.duplicatePolicy AS "duplicatePolicy"',
        'account.createdAt AS "createdAt"',
        'membership.role AS role',
      ])
      .where('membership.email = :email AND membership.active AND account.id > :after', { email: principal.email, after });
    if (principal.kind === 'api-key') accounts.andWhere('account.id = :only', { only: principal.accountId });
    const page: AccountWithRole[] = (await accounts.orderBy('account.id').limit(limit + 1).getRawMany<AccountWithRole>()).map((row) => ({
      ...row,
      id: String(row.id),
      // an API key acts with the lower of its own role and its creator's
      role: principal.kind === 'api-key' && isRole(row.role) ? lowerRole(principal.role, row.role) : row.role,
    }));
    return toPage(page, limit, this.cursors, 'accounts', (account) => [account.id], toDto);
  }

  /**
   * Changes the context's account name and settings; `id` must be that account (anything else does not exist
   * for the caller). One `account_updated` entry lists every changed field; nothing changed, no entry.
   */
  async update(ctx: AccountContext, id: string, settings: AccountSettings): Promise<AccountDto> {
    if (id !== ctx.accountId) throw AccountErrors.accountNotFound();
    return runTransaction(this.dataSource, async (m) => {
      const account = await m.findOneOrFail(AccountEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      const next: AccountSettings = {};
      for (const field of SETTINGS) {
        const value = settings[field];
        if (value === undefined || value === account[field]) continue;
        changes[field] = { from: account[field], to: value };
        Object.assign(next, { [field]: value });
      }
      if (Object.keys(next).length === 0) return toDto({ ...account, role: ctx.role });
      // whereEntity: updatedAt is refreshed from the statement's RETURNING
      await m.createQueryBuilder().update(AccountEntity).set(next).whereEntity(account).execute();
      await this.audit.record(m, id, ctx, { event: 'account_updated', entityType: 'account', entityId: id, data: { changes } });
      return toDto({ ...account, ...next, role: ctx.role });
    });
  }
}
