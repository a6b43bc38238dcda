import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan, Repository } from 'typeorm';
import { AuditService, type AuditEvent } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { uniquelyWritten } from '../common/filters/database-errors';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { toPage } from '../common/pagination/page';
import { TeamsService } from '../teams/teams.service';
import { CreateLeadSourceDto, LeadSourceDto, LeadSourcePageDto, toLeadSourceDto, UpdateLeadSourceDto } from './dto/lead-source.dto';
import { LeadSourceEntity } from './lead-source.entity';
import { LeadSourceErrors } from './lead-sources.errors';
import { runTransaction } from '../database/transaction';

const CURSOR_SCOPE = 'lead-sources';
const MAX_ID = 2_147_483_647;

/**
 * Lead sources belong to a team. A deleted source (deleted_at set) no longer exists for the API; deleting a
 * team deletes its sources too (the cascade this service registers with TeamsService), so a live source always has a live team. Reads go through the
 * repository, which leaves soft-deleted sources out.
 */
@Injectable()
export class LeadSourcesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(LeadSourceEntity) private readonly sources: Repository<LeadSourceEntity>,
    private readonly teams: TeamsService,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
  ) {
    teams.cascadeOnDelete('lead_source', (m, accountId, teamId) => this.removeAllOfTeam(m, accountId, teamId));
  }

  /** The team's live sources, oldest first; 404 when the team does not exist. */
  async listForTeam(ctx: AccountContext, teamId: number, query: PageQueryDto): Promise<LeadSourcePageDto> {
    const limit = query.limit!;
    const afterId = query.cursor ? Number(this.cursors.decode(CURSOR_SCOPE, query.cursor, 1)[0]) : 0;
    // One snapshot for the team check and the page.
    return runTransaction(this.dataSource, 'REPEATABLE READ', async (m) => {
      if (!(await this.teams.isLive(m, ctx.accountId, teamId))) throw LeadSourceErrors.teamNotFound();
      const page = await m.find(LeadSourceEntity, { where: { accountId: ctx.accountId, teamId, id: MoreThan(afterId) }, order: { id: 'ASC' }, take: limit + 1 });
      return toPage(page, limit, this.cursors, CURSOR_SCOPE, (source) => [source.id], toLeadSourceDto);
    });
  }

  async get(ctx: AccountContext, id: number): Promise<LeadSourceDto> {
    const source = await this.sources.findOneBy({ accountId: ctx.accountId, id });
    if (!source) throw LeadSourceErrors.notFound();
    return toLeadSourceDto(source);
  }

  async create(ctx: AccountContext, teamId: number, dto: CreateLeadSourceDto): Promise<LeadSourceDto> {
    return runTransaction(this.dataSource, async (m) => {
      // Share-locks the team: a concurrent team delete waits for this source (and then deletes it too).
      if (!(await this.teams.lockLive(m, ctx.accountId, teamId))) throw LeadSourceErrors.teamNotFound();
      // The partial unique index decides duplicates, so two concurrent creates cannot both win.
      const source = m.create(LeadSourceEntity, { accountId: ctx.accountId, teamId, name: dto.name });
      // lead_sources_live_name_key (a live source's name, any case, per team) decides, race-free: 409 when taken
      await uniquelyWritten(() => m.insert(LeadSourceEntity, source), LeadSourceErrors.nameTaken);
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'lead_source_created',
        entityType: 'lead_source',
        entityId: source.id,
        data: { name: source.name, teamId },
      });
      return toLeadSourceDto(source);
    });
  }

  async update(ctx: AccountContext, id: number, dto: UpdateLeadSourceDto): Promise<LeadSourceDto> {
    return runTransaction(this.dataSource, async (m) => {
      const current = await this.lockForChange(m, ctx.accountId, id);
      if (dto.name === undefined || dto.name === current.name) return toLeadSourceDto(current);
      // whereEntity: the entity's updatedAt is refreshed from the statement's RETURNING
      const rename = m.createQueryBuilder().update(LeadSourceEntity).set({ name: dto.name }).whereEntity(current).andWhere({ accountId: ctx.accountId });
      await uniquelyWritten(() => rename.execute(), LeadSourceErrors.nameTaken);
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'lead_source_updated',
        entityType: 'lead_source',
        entityId: id,
        data: { changes: { name: { from: current.name, to: dto.name } } },
      });
      return toLeadSourceDto({ ...current, name: dto.name });
    });
  }

  async remove(ctx: AccountContext, id: number): Promise<void> {
    await runTransaction(this.dataSource, async (m) => {
      const current = await this.lockForChange(m, ctx.accountId, id);
      await m.softDelete(LeadSourceEntity, { accountId: ctx.accountId, id });
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'lead_source_deleted',
        entityType: 'lead_source',
        entityId: id,
        data: { name: current.name, teamId: current.teamId },
      });
    });
  }

  /** A team is being deleted (TeamsService.remove, same transaction): its live sources go with it. */
  private async removeAllOfTeam(m: EntityManager, accountId: string, teamId: number): Promise<AuditEvent[]> {
    const removed: Pick<LeadSourceEntity, 'id' | 'name'>[] = (
      await m
        .createQueryBuilder()
        .softDelete()
        .from(LeadSourceEntity)
        .where({ accountId, teamId })
        .andWhere('deleted_at IS NULL')
        .returning(['id', 'name'])
        .execute()
    ).raw;
    return removed
      .sort((a, b) => a.id - b.id)
      .map((source) => ({
        event: 'lead_source_deleted',
        entityType: 'lead_source',
        entityId: source.id,
        data: { name: source.name, teamId, reason: 'team_deleted' },
      }));
  }

  /**
   * For features that reference a source (leads): the live source `id` of the account, share-locked so it
   * cannot be deleted or renamed before the caller commits; null when there is none.
   */
  async lockLive(m: EntityManager, accountId: string, id: number): Promise<LeadSourceDto | null> {
    if (!Number.isInteger(id) || id < 1 || id > MAX_ID) return null;
    const source = await m.findOne(LeadSourceEntity, { where: { accountId, id }, lock: { mode: 'pessimistic_read' } });
    return source ? toLeadSourceDto(source) : null;
  }

  /** NO KEY UPDATE, as TeamsService's: a lead's foreign-key check on this source must not wait for it. */
  private async lockForChange(m: EntityManager, accountId: string, id: number): Promise<LeadSourceEntity> {
    const source = await m.findOne(LeadSourceEntity, { where: { accountId, id }, lock: { mode: 'for_no_key_update' } });
    if (!source) throw LeadSourceErrors.notFound();
    return source;
  }
}
