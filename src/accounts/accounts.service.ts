import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { toPage } from '../common/pagination/page';
import { sqlRows } from '../database/sql';
import type { Principal } from '../auth/principal';
import { AccountErrors } from './accounts.errors';
import { AccountDto, AccountPageDto } from './dto/account.dto';
import { isRole, lowerRole, type Role } from './roles';
import { runTransaction } from '../database/transaction';

interface AccountRow {
  id: string;
  name: string;
  created_at: Date;
  role: Role;
}

const toDto = (r: AccountRow): AccountDto => ({ id: String(r.id), name: r.name, role: r.role, createdAt: r.created_at });

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
      const [account]: AccountRow[] = await m.query(
        `INSERT INTO accounts (name) VALUES ($1) RETURNING id, name, created_at, 'owner' AS role`,
        [name],
      );
      await m.query(`INSERT INTO memberships (account_id, email, role) VALUES ($1, $2, 'owner')`, [account.id, actor.user]);
      await this.audit.record(
        m,
        account.id,
        actor,
        { event: 'account_created', entityType: 'account', entityId: account.id, data: { name } },
        { event: 'member_created', entityType: 'member', entityId: actor.user, data: { email: actor.user, role: 'owner', active: true } },
      );
      return toDto(account);
    });
  }

  /** The accounts the caller is an active member of (for an API key: its own account). */
  async list(principal: Principal, query: PageQueryDto): Promise<AccountPageDto> {
    const limit = query.limit!;
    const after = query.cursor ? String(this.cursors.decode('accounts', query.cursor, 1)[0]) : '0';
    const onlyAccount = principal.kind === 'api-key' ? principal.accountId : null;
    const rows: AccountRow[] = await this.dataSource.query(
      `SELECT a.id, a.name, a.created_at, m.role
         FROM memberships m JOIN accounts a ON a.id = m.account_id
        WHERE m.email = $1 AND m.active AND a.id > $2 AND ($3::bigint IS NULL OR a.id = $3)
        ORDER BY a.id LIMIT $4`,
      [principal.email, after, onlyAccount, limit + 1],
    );
    if (principal.kind === 'api-key') {
      for (const r of rows) r.role = isRole(r.role) ? lowerRole(principal.role, r.role) : r.role;
    }
    return toPage(rows, limit, this.cursors, 'accounts', (r) => [String(r.id)], toDto);
  }

  /** Renames the context's account; `id` must be that account (anything else does not exist for the caller). */
  async rename(ctx: AccountContext, id: string, name: string): Promise<AccountDto> {
    if (id !== ctx.accountId) throw AccountErrors.accountNotFound();
    return runTransaction(this.dataSource, async (m) => {
      const [before]: { name: string }[] = await m.query('SELECT name FROM accounts WHERE id = $1 FOR UPDATE', [id]);
      const [account] = await sqlRows<AccountRow>(
        m,
        `UPDATE accounts SET name = $2, updated_at = now() WHERE id = $1 RETURNING id, name, created_at, $3::text AS role`,
        [id, name, ctx.role],
      );
      if (before.name !== name) {
        await this.audit.record(m, id, ctx, {
          event: 'account_updated',
          entityType: 'account',
          entityId: id,
          data: { changes: { name: { from: before.name, to: name } } },
        });
      }
      return toDto(account);
    });
  }
}
