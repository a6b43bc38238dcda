import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan, Repository } from 'typeorm';
import { AuditService, type AuditEvent } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { uniquelyWritten } from '../common/filters/database-errors';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { toPage } from '../common/pagination/page';
import { CreateTeamDto, TeamDto, TeamPageDto, toTeamDto, UpdateTeamDto } from './dto/team.dto';
import { TeamEntity } from './team.entity';
import { TeamErrors } from './teams.errors';
import { runTransaction } from '../database/transaction';

const CURSOR_SCOPE = 'teams';
const MAX_ID = 2_147_483_647;

/** The features whose records hang on a team. */
export type TeamDependent = 'lead_source' | 'rotation';

/**
 * What a feature does, in the team delete's transaction, when a team is deleted: soft-deletes its live records
 * of the team and returns their audit entries (`data.reason: "team_deleted"`), oldest record first.
 */
export type TeamDeletionCascade = (m: EntityManager, accountId: string, teamId: number) => Promise<AuditEvent[]>;

/** Sources before rotations: the order of their rows' locks and of their audit entries. */
const CASCADE_ORDER: readonly TeamDependent[] = ['lead_source', 'rotation'];

/**
 * Teams of an account. A deleted team (deleted_at set) no longer exists for the API; deleting one also
 * deletes its lead sources and rotations (through the cascades their services register), so nothing live
 * ever points at a deleted team. Reads go through the repository, which leaves soft-deleted teams out.
 */
@Injectable()
export class TeamsService {
  private readonly cascades = new Map<TeamDependent, TeamDeletionCascade>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(TeamEntity) private readonly teams: Repository<TeamEntity>,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
  ) {}

  /** Live teams, oldest first. */
  async list(ctx: AccountContext, query: PageQueryDto): Promise<TeamPageDto> {
    const limit = query.limit!;
    const after = query.cursor ? Number(this.cursors.decode(CURSOR_SCOPE, query.cursor, 1)[0]) : 0;
    const page = await this.teams.find({ where: { accountId: ctx.accountId, id: MoreThan(after) }, order: { id: 'ASC' }, take: limit + 1 });
    return toPage(page, limit, this.cursors, CURSOR_SCOPE, (team) => [team.id], toTeamDto);
  }

  async get(ctx: AccountContext, id: number): Promise<TeamDto> {
    const team = await this.teams.findOneBy({ accountId: ctx.accountId, id });
    if (!team) throw TeamErrors.notFound();
    return toTeamDto(team);
  }

  async create(ctx: AccountContext, dto: CreateTeamDto): Promise<TeamDto> {
    return runTransaction(this.dataSource, async (m) => {
      // The partial unique index decides duplicates, so two concurrent creates cannot both win.
      const team = m.create(TeamEntity, { accountId: ctx.accountId, name: dto.name });
      // teams_live_name_key (a live team's name, any case, per account) decides, race-free: 409 when taken
      await uniquelyWritten(() => m.insert(TeamEntity, team), TeamErrors.nameTaken);
      await this.audit.record(m, ctx.accountId, ctx, { event: 'team_created', entityType: 'team', entityId: team.id, data: { name: team.name } });
      return toTeamDto(team);
    });
  }

  async update(ctx: AccountContext, id: number, dto: UpdateTeamDto): Promise<TeamDto> {
    return runTransaction(this.dataSource, async (m) => {
      const current = await this.lockForChange(m, ctx.accountId, id);
      if (dto.name === undefined || dto.name === current.name) return toTeamDto(current);
      // whereEntity: the entity's updatedAt is refreshed from the statement's RETURNING
      const rename = m.createQueryBuilder().update(TeamEntity).set({ name: dto.name }).whereEntity(current).andWhere({ accountId: ctx.accountId });
      await uniquelyWritten(() => rename.execute(), TeamErrors.nameTaken);
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'team_updated',
        entityType: 'team',
        entityId: id,
        data: { changes: { name: { from: current.name, to: dto.name } } },
      });
      return toTeamDto({ ...current, name: dto.name });
    });
  }

  /** Soft-deletes the team with its live lead sources and rotations: one audit entry per record. */
  async remove(ctx: AccountContext, id: number): Promise<void> {
    await runTransaction(this.dataSource, async (m) => {
      const team = await this.lockForChange(m, ctx.accountId, id);
      await m.softDelete(TeamEntity, { accountId: ctx.accountId, id });
      const events: AuditEvent[] = [{ event: 'team_deleted', entityType: 'team', entityId: id, data: { name: team.name } }];
      for (const feature of CASCADE_ORDER) {
        const cascade = this.cascades.get(feature);
        if (!cascade) throw new Error(`TeamsService: no team deletion cascade registered for ${feature}`);
        events.push(...(await cascade(m, ctx.accountId, id)));
      }
      await this.audit.record(m, ctx.accountId, ctx, ...events);
    });
  }

  /**
   * Registers what a feature whose records hang on a team does when the team is deleted (lead sources and
   * rotations, which depend on Teams: Teams cannot call them). Each owns its table; Teams only runs them.
   */
  cascadeOnDelete(feature: TeamDependent, cascade: TeamDeletionCascade): void {
    this.cascades.set(feature, cascade);
  }

  /** Whether `teamId` is a live team of the account, read with `m` (the caller's transaction and snapshot). */
  async isLive(m: EntityManager, accountId: string, teamId: number): Promise<boolean> {
    if (!Number.isInteger(teamId) || teamId < 1 || teamId > MAX_ID) return false;
    return m.existsBy(TeamEntity, { accountId, id: teamId });
  }

  /**
   * For features that hang records on a team (lead sources, rotations, leads): whether `teamId` is a live
   * team of the account, share-locking it so it cannot be deleted or renamed before the caller commits.
   */
  async lockLive(m: EntityManager, accountId: string, teamId: number): Promise<boolean> {
    if (!Number.isInteger(teamId) || teamId < 1 || teamId > MAX_ID) return false;
    const team = await m.findOne(TeamEntity, { select: { id: true }, where: { accountId, id: teamId }, lock: { mode: 'pessimistic_read' } });
    return team !== null;
  }

  /**
   * NO KEY UPDATE, not UPDATE: it must not block the key-share lock of a foreign-key check (a lead being
   * inserted for this team while its transaction holds the team rotation's row lock), or a team delete,
   * which then waits for that rotation row, would deadlock with it.
   */
  private async lockForChange(m: EntityManager, accountId: string, id: number): Promise<TeamEntity> {
    const team = await m.findOne(TeamEntity, { where: { accountId, id }, lock: { mode: 'for_no_key_update' } });
    if (!team) throw TeamErrors.notFound();
    return team;
  }
}
