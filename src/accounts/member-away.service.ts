import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { ValidationException } from '../common/http/validation.exception';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { toPage } from '../common/pagination/page';
import { runTransaction } from '../database/transaction';
import { AccountErrors } from './accounts.errors';
import { AwayPeriodDto, AwayPeriodPageDto, CreateAwayDto } from './dto/member.dto';
import { MemberAwayPeriodEntity } from './member-away-period.entity';
import { MembersService } from './members.service';
import { MembershipEntity } from './membership.entity';

/** The longest away period: 366 days. */
const MAX_AWAY_MS = 366 * 24 * 3600_000;
const CURSOR_SCOPE = 'member-away';

const toDto = (p: MemberAwayPeriodEntity): AwayPeriodDto => ({
  id: Number(p.id),
  from: p.startsAt.toISOString(),
  until: p.endsAt.toISOString(),
  reason: p.reason,
});

/**
 * Members' away periods (API.md section 9): set by the member themself or by a manager and up, audited
 * (`member_away_created`, `member_away_deleted`) in the transaction of the change. Rotations that respect
 * availability skip a member during them.
 */
@Injectable()
export class MemberAwayService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly members: MembersService,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
  ) {}

  async create(ctx: AccountContext, email: string, dto: CreateAwayDto): Promise<AwayPeriodDto> {
    this.members.assertMayChangeAvailability(ctx, email);
    const from = new Date(dto.from);
    const until = new Date(dto.until);
    if (until.getTime() <= from.getTime()) throw new ValidationException([{ field: 'until', message: 'until must be after from' }]);
    if (until.getTime() - from.getTime() > MAX_AWAY_MS) throw new ValidationException([{ field: 'until', message: 'an away period lasts at most 366 days' }]);
    return runTransaction(this.dataSource, async (m) => {
      await this.members.lockMember(m, ctx, email);
      const period = m.create(MemberAwayPeriodEntity, { accountId: ctx.accountId, userEmail: email, startsAt: from, endsAt: until, reason: dto.reason ?? null });
      await m.insert(MemberAwayPeriodEntity, period);
      const answer = toDto(period);
      await this.audit.record(m, ctx.accountId, ctx, { event: 'member_away_created', entityType: 'member', entityId: email, data: { ...answer } });
      return answer;
    });
  }

  /** The member's current and future away periods, oldest first. */
  async list(ctx: AccountContext, email: string, query: PageQueryDto): Promise<AwayPeriodPageDto> {
    const limit = query.limit!;
    const [afterStart, afterId] = query.cursor ? this.cursors.decode(CURSOR_SCOPE, query.cursor, 2).map(String) : [null, null];
    return runTransaction(this.dataSource, 'REPEATABLE READ', async (m) => {
      const member = await m.exists(MembershipEntity, { where: { accountId: ctx.accountId, email } });
      if (!member) throw AccountErrors.memberNotFound();
      const qb = m
        .createQueryBuilder(MemberAwayPeriodEntity, 'a')
        .where('a.account_id = :accountId AND a.user_email = :email AND a.ends_at > now()', { accountId: ctx.accountId, email })
        .orderBy('a.starts_at', 'ASC')
        .addOrderBy('a.id', 'ASC')
        .take(limit + 1);
      if (afterStart !== null) qb.andWhere('(a.starts_at, a.id) > (:afterStart::timestamptz, :afterId::bigint)', { afterStart, afterId });
      const rows = await qb.getMany();
      return toPage(rows, limit, this.cursors, CURSOR_SCOPE, (p) => [p.startsAt.toISOString(), String(p.id)], toDto);
    });
  }

  async remove(ctx: AccountContext, email: string, id: number): Promise<void> {
    this.members.assertMayChangeAvailability(ctx, email);
    await runTransaction(this.dataSource, async (m) => {
      const period = await m.findOne(MemberAwayPeriodEntity, { where: { accountId: ctx.accountId, userEmail: email, id: String(id) }, lock: { mode: 'pessimistic_write' } });
      if (!period) throw AccountErrors.awayNotFound();
      await m.delete(MemberAwayPeriodEntity, { accountId: ctx.accountId, id: String(id) });
      await this.audit.record(m, ctx.accountId, ctx, { event: 'member_away_deleted', entityType: 'member', entityId: email, data: { ...toDto(period) } });
    });
  }
}
