import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, LessThanOrEqual, MoreThan, Repository } from 'typeorm';
import { insideWorkingHours, isAway } from '../common/availability';
import { hasPermission } from './roles';
import { MemberAwayPeriodEntity } from './member-away-period.entity';
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

/** Where a member stands right now: their account's zone, and the away periods they are in now. */
interface Now {
  at: number;
  accountTimeZone: string;
  awayNow: Map<string, { from: number; until: number }[]>;
}

const toDto = (member: MembershipEntity, now: Now): MemberDto => {
  const away = now.awayNow.get(member.email) ?? [];
  const zone = member.timeZone ?? now.accountTimeZone;
  const awayNow = isAway(away, now.at);
  return {
    email: member.email,
    role: member.role,
    active: member.active,
    timeZone: member.timeZone ?? null,
    workingHours: (member.workingHours as MemberDto['workingHours']) ?? null,
    availableNow: member.active && !awayNow && insideWorkingHours((member.workingHours as MemberDto['workingHours']) ?? null, zone, now.at),
    awayUntil: awayNow ? new Date(Math.max(...away.filter((p) => p.from <= now.at).map((p) => p.until))).toISOString() : null,
    createdAt: member.createdAt,
    updatedAt: member.updatedAt,
  };
};

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
    const now = await this.now(this.dataSource.manager, ctx.accountId, page.map((m) => m.email));
    return toPage(page, limit, this.cursors, 'members', (member) => [member.email], (member) => toDto(member, now));
  }

  /** The account's zone and the away periods `emails` are in right now. */
  private async now(m: EntityManager, accountId: string, emails: string[]): Promise<Now> {
    const at = Date.now();
    const account = await m.findOne(AccountEntity, { select: { id: true, timeZone: true }, where: { id: accountId } });
    const awayNow = new Map<string, { from: number; until: number }[]>();
    if (emails.length > 0) {
      const periods = await m.find(MemberAwayPeriodEntity, {
        where: { accountId, userEmail: In(emails), startsAt: LessThanOrEqual(new Date(at)), endsAt: MoreThan(new Date(at)) },
      });
      for (const p of periods) {
        const list = awayNow.get(p.userEmail) ?? [];
        list.push({ from: p.startsAt.getTime(), until: p.endsAt.getTime() });
        awayNow.set(p.userEmail, list);
      }
    }
    return { at, accountTimeZone: account?.timeZone ?? 'UTC', awayNow };
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
      return toDto(member, await this.now(m, ctx.accountId, []));
    });
  }

  /**
   * Role and active: admins and up, as before (members:manage, and only roles the caller may manage). Time zone
   * and working hours: the member themself, or a manager and up for anyone (403 otherwise), checked before
   * whether the member exists.
   */
  async update(ctx: AccountContext, email: string, dto: UpdateMemberDto): Promise<MemberDto> {
    const managesMembership = dto.role !== undefined || dto.active !== undefined;
    if (managesMembership && !hasPermission(ctx.role, 'members:manage')) throw AccountErrors.roleTooLow();
    const availability = dto.timeZone !== undefined || dto.workingHours !== undefined;
    if (availability) this.assertMayChangeAvailability(ctx, email);
    const updated = await runTransaction(this.dataSource, async (m) => {
      const current = managesMembership ? await this.lockManageable(m, ctx, email) : await this.lockMember(m, ctx, email);
      if (dto.role !== undefined && !canManageRole(ctx.role, dto.role)) throw AccountErrors.cannotManageRole();
      const next = {
        role: dto.role ?? current.role,
        active: dto.active ?? current.active,
        timeZone: dto.timeZone === undefined ? current.timeZone : dto.timeZone,
        workingHours: dto.workingHours === undefined ? current.workingHours : (dto.workingHours as MembershipEntity['workingHours']),
      };
      const losesOwnership = current.role === 'owner' && current.active && (next.role !== 'owner' || !next.active);
      if (losesOwnership) await this.assertAnotherOwner(m, ctx.accountId, email);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      if (next.role !== current.role) changes.role = { from: current.role, to: next.role };
      if (next.active !== current.active) changes.active = { from: current.active, to: next.active };
      if (next.timeZone !== current.timeZone) changes.timeZone = { from: current.timeZone, to: next.timeZone };
      if (JSON.stringify(next.workingHours) !== JSON.stringify(current.workingHours)) changes.workingHours = { from: current.workingHours, to: next.workingHours };
      if (Object.keys(changes).length === 0) return toDto(current, await this.now(m, ctx.accountId, [email]));
      // whereEntity (the account and email): updatedAt is refreshed from the statement's RETURNING
      await m.createQueryBuilder().update(MembershipEntity).set(next).whereEntity(current).execute();
      await this.audit.record(m, ctx.accountId, ctx, { event: 'member_updated', entityType: 'member', entityId: email, data: { changes } });
      return toDto({ ...current, ...next }, await this.now(m, ctx.accountId, [email]));
    });
    if (managesMembership) this.access.forget(ctx.accountId, email); // committed: the role this process may have kept is stale
    return updated;
  }

  /** A member's availability (time zone, working hours, away periods): their own, or a manager and up anyone's; 403 otherwise. */
  assertMayChangeAvailability(ctx: AccountContext, email: string): void {
    if (email !== ctx.user && !hasPermission(ctx.role, 'config:manage')) throw AccountErrors.roleTooLow();
  }

  /** The member's row, locked for a change of their availability; 404 if absent. */
  async lockMember(m: EntityManager, ctx: AccountContext, email: string): Promise<MembershipEntity> {
    const current = await m.findOne(MembershipEntity, { where: { accountId: ctx.accountId, email }, lock: { mode: 'for_no_key_update' } });
    if (!current) throw AccountErrors.memberNotFound();
    return current;
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
