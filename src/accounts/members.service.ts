import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { toPage } from '../common/pagination/page';
import { sqlRows } from '../database/sql';
import { AccountAccessService } from './account-access.service';
import { AccountErrors } from './accounts.errors';
import { AddMemberDto, MemberDto, MemberPageDto, UpdateMemberDto } from './dto/member.dto';
import { canManageRole, type Role } from './roles';
import { runTransaction } from '../database/transaction';

interface MemberRow {
  email: string;
  role: Role;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'email, role, active, created_at, updated_at';
const toDto = (r: MemberRow): MemberDto => ({ email: r.email, role: r.role, active: r.active, createdAt: r.created_at, updatedAt: r.updated_at });

@Injectable()
export class MembersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
    private readonly access: AccountAccessService,
  ) {}

  async list(ctx: AccountContext, query: PageQueryDto): Promise<MemberPageDto> {
    const limit = query.limit!;
    const after = query.cursor ? String(this.cursors.decode('members', query.cursor, 1)[0]) : '';
    const rows: MemberRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM memberships WHERE account_id = $1 AND email > $2 ORDER BY email LIMIT $3`,
      [ctx.accountId, after, limit + 1],
    );
    return toPage(rows, limit, this.cursors, 'members', (r) => [r.email], toDto);
  }

  async add(ctx: AccountContext, dto: AddMemberDto): Promise<MemberDto> {
    if (!canManageRole(ctx.role, dto.role)) throw AccountErrors.cannotManageRole();
    return runTransaction(this.dataSource, async (m) => {
      const rows: MemberRow[] = await m.query(
        `INSERT INTO memberships (account_id, email, role) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, email) DO NOTHING RETURNING ${COLUMNS}`,
        [ctx.accountId, dto.email, dto.role],
      );
      if (rows.length === 0) throw AccountErrors.alreadyMember();
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'member_created',
        entityType: 'member',
        entityId: dto.email,
        data: { email: dto.email, role: dto.role, active: true },
      });
      return toDto(rows[0]);
    });
  }

  async update(ctx: AccountContext, email: string, dto: UpdateMemberDto): Promise<MemberDto> {
    const updated = await runTransaction(this.dataSource, async (m) => {
      const current = await this.lockManageable(m, ctx, email);
      if (dto.role !== undefined && !canManageRole(ctx.role, dto.role)) throw AccountErrors.cannotManageRole();
      const next = { role: dto.role ?? current.role, active: dto.active ?? current.active };
      const losesOwnership = current.role === 'owner' && current.active && (next.role !== 'owner' || !next.active);
      if (losesOwnership) await this.assertAnotherOwner(m, ctx.accountId, email);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      if (next.role !== current.role) changes.role = { from: current.role, to: next.role };
      if (next.active !== current.active) changes.active = { from: current.active, to: next.active };
      if (Object.keys(changes).length === 0) return toDto(current);
      const [row] = await sqlRows<MemberRow>(
        m,
        `UPDATE memberships SET role = $3, active = $4, updated_at = now() WHERE account_id = $1 AND email = $2 RETURNING ${COLUMNS}`,
        [ctx.accountId, email, next.role, next.active],
      );
      await this.audit.record(m, ctx.accountId, ctx, { event: 'member_updated', entityType: 'member', entityId: email, data: { changes } });
      return toDto(row);
    });
    this.access.forget(ctx.accountId, email); // committed: the role this process may have kept is stale
    return updated;
  }

  async remove(ctx: AccountContext, email: string): Promise<void> {
    await runTransaction(this.dataSource, async (m) => {
      const current = await this.lockManageable(m, ctx, email);
      if (current.role === 'owner' && current.active) await this.assertAnotherOwner(m, ctx.accountId, email);
      await m.query('DELETE FROM memberships WHERE account_id = $1 AND email = $2', [ctx.accountId, email]);
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'member_deleted',
        entityType: 'member',
        entityId: email,
        data: { email, role: current.role, active: current.active },
      });
    });
    this.access.forget(ctx.accountId, email);
  }

  /**
   * Serialises membership changes of the account (so two owners cannot demote each other at once and
   * leave none), then reads the member; 404 if absent, 403 if the caller's role cannot manage theirs.
   * NO KEY UPDATE does not block the key-share locks that foreign-key checks take on the account row.
   */
  private async lockManageable(m: EntityManager, ctx: AccountContext, email: string): Promise<MemberRow> {
    await m.query('SELECT id FROM accounts WHERE id = $1 FOR NO KEY UPDATE', [ctx.accountId]);
    const [current]: MemberRow[] = await m.query(
      `SELECT ${COLUMNS} FROM memberships WHERE account_id = $1 AND email = $2 FOR UPDATE`,
      [ctx.accountId, email],
    );
    if (!current) throw AccountErrors.memberNotFound();
    if (!canManageRole(ctx.role, current.role)) throw AccountErrors.cannotManageRole();
    return current;
  }

  /** 409 unless an active owner other than `email` remains (the caller holds the account lock). */
  private async assertAnotherOwner(m: EntityManager, accountId: string, email: string): Promise<void> {
    const owners: { email: string }[] = await m.query(
      `SELECT email FROM memberships WHERE account_id = $1 AND role = 'owner' AND active`,
      [accountId],
    );
    if (!owners.some((o) => o.email !== email)) throw AccountErrors.lastOwner();
  }
}
