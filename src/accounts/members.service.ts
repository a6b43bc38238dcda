import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, MoreThan, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { toPage } from '../common/pagination/page';
import { uniquelyWritten } from '../common/filters/database-errors';
import { AccountAccessService } from './account-access.service';
import { AccountEntity } from './account.entity';
import { runTransaction } from '../database/transaction';
import { AccountErrors } from './accounts.errors';
import { AddMemberDto, MemberDto, MemberPageDto, UpdateMemberDto } from './dto/member.dto';
import { MembershipEntity } from './membership.entity';
import { canManageRole } from './roles';

const toDto = (member: MembershipEntity): MemberDto => ({
  email: member.email,
  role: member.role,
  active: member.active,
  createdAt: member.createdAt,
  updatedAt: member.updatedAt,
});

@Injectable()
export class MembersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(MembershipEntity) private readonly memberships: Repository<MembershipEntity>,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
    private readonly access: AccountAccessService,
  ) {}

  async list(ctx: AccountContext, query: PageQueryDto): Promise<MemberPageDto> {
    const limit = query.limit!;
    const after = query.cursor ? String(this.cursors.decode('members', query.cursor, 1)[0]) : '';
    const page = await this.memberships.find({ where: { accountId: ctx.accountId, email: MoreThan(after) }, order: { email: 'ASC' }, take: limit + 1 });
    return toPage(page, limit, this.cursors, 'members', (member) => [member.email], toDto);
  }

  async add(ctx: AccountContext, dto: AddMemberDto): Promise<MemberDto> {
    if (!canManageRole(ctx.role, dto.role)) throw AccountErrors.cannotManageRole();
    return runTransaction(this.dataSource, async (m) => {
      const member = m.create(MembershipEntity, { accountId: ctx.accountId, email: dto.email, role: dto.role });
      await uniquelyWritten(() => m.insert(MembershipEntity, member), AccountErrors.alreadyMember);
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'member_created',
        entityType: 'member',
        entityId: dto.email,
        data: { email: dto.email, role: dto.role, active: true },
      });
      return toDto(member);
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
      // whereEntity (the account and email): updatedAt is refreshed from the statement's RETURNING
      await m.createQueryBuilder().update(MembershipEntity).set(next).whereEntity(current).execute();
      await this.audit.record(m, ctx.accountId, ctx, { event: 'member_updated', entityType: 'member', entityId: email, data: { changes } });
      return toDto({ ...current, ...next });
    });
    this.access.forget(ctx.accountId, email); // committed: the role this process may have kept is stale
    return updated;
  }

  async remove(ctx: AccountContext, email: string): Promise<void> {
    await runTransaction(this.dataSource, async (m) => {
      const current = await this.lockManageable(m, ctx, email);
      if (current.role === 'owner' && current.active) await this.assertAnotherOwner(m, ctx.accountId, email);
      await m.delete(MembershipEntity, { accountId: ctx.accountId, email });
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
   * For features that name members (rotations): for each of `emails` that is a member of the account, whether
   * the membership is active; an email absent from the map is not a member. Read with `m`, the caller's
   * transaction and snapshot.
   */
  async activeByEmail(m: EntityManager, accountId: string, emails: readonly string[]): Promise<Map<string, boolean>> {
    if (emails.length === 0) return new Map();
    const members = await m.find(MembershipEntity, { select: { email: true, active: true }, where: { accountId, email: In([...new Set(emails)]) } });
    return new Map(members.map((member) => [member.email, member.active]));
  }

  /**
   * Serialises membership changes of the account (so two owners cannot demote each other at once and
   * leave none), then reads the member; 404 if absent, 403 if the caller's role cannot manage theirs.
   * NO KEY UPDATE does not block the key-share locks that foreign-key checks take on the account row.
   */
  private async lockManageable(m: EntityManager, ctx: AccountContext, email: string): Promise<MembershipEntity> {
    await m.findOne(AccountEntity, { select: { id: true }, where: { id: ctx.accountId }, lock: { mode: 'for_no_key_update' } });
    const current = await m.findOne(MembershipEntity, { where: { accountId: ctx.accountId, email }, lock: { mode: 'pessimistic_write' } });
    if (!current) throw AccountErrors.memberNotFound();
    if (!canManageRole(ctx.role, current.role)) throw AccountErrors.cannotManageRole();
    return current;
  }

  /** 409 unless an active owner other than `email` remains (the caller holds the account lock). */
  private async assertAnotherOwner(m: EntityManager, accountId: string, email: string): Promise<void> {
    const owners = await m.find(MembershipEntity, { select: { email: true }, where: { accountId, role: 'owner', active: true } });
    if (!owners.some((o) => o.email !== email)) throw AccountErrors.lastOwner();
  }
}
