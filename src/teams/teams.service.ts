import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService, type AuditEvent } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { sqlState } from '../common/filters/database-errors';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { toPage } from '../common/pagination/page';
import { sqlRows } from '../database/sql';
import { CreateTeamDto, TEAM_COLUMNS, TeamDto, TeamPageDto, TeamRow, toTeamDto, UpdateTeamDto } from './dto/team.dto';
import { TeamErrors } from './teams.errors';
import { runTransaction } from '../database/transaction';

const CURSOR_SCOPE = 'teams';
const MAX_ID = 2_147_483_647;

/**
 * Teams of an account. A deleted team (deleted_at set) no longer exists for the API; deleting one also
 * deletes its lead sources and rotations, so nothing live ever points at a deleted team.
 */
@Injectable()
export class TeamsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
  ) {}

  /** Live teams, oldest first. */
  async list(ctx: AccountContext, query: PageQueryDto): Promise<TeamPageDto> {
    const limit = query.limit!;
    const after = query.cursor ? Number(this.cursors.decode(CURSOR_SCOPE, query.cursor, 1)[0]) : 0;
    const rows: TeamRow[] = await this.dataSource.query(
      `SELECT ${TEAM_COLUMNS} FROM teams
        WHERE account_id = $1 AND deleted_at IS NULL AND id > $2 ORDER BY id LIMIT $3`,
      [ctx.accountId, after, limit + 1],
    );
    return toPage(rows, limit, this.cursors, CURSOR_SCOPE, (r) => [r.id], toTeamDto);
  }

  async get(ctx: AccountContext, id: number): Promise<TeamDto> {
    const [row]: TeamRow[] = await this.dataSource.query(
      `SELECT ${TEAM_COLUMNS} FROM teams WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [ctx.accountId, id],
    );
    if (!row) throw TeamErrors.notFound();
    return toTeamDto(row);
  }

  async create(ctx: AccountContext, dto: CreateTeamDto): Promise<TeamDto> {
    return runTransaction(this.dataSource, async (m) => {
      // The partial unique index decides duplicates, so two concurrent creates cannot both win.
      const [row]: TeamRow[] = await m.query(
        `INSERT INTO teams (account_id, name) VALUES ($1, $2)
         ON CONFLICT (account_id, (lower(name))) WHERE deleted_at IS NULL DO NOTHING
         RETURNING ${TEAM_COLUMNS}`,
        [ctx.accountId, dto.name],
      );
      if (!row) throw TeamErrors.nameTaken();
      await this.audit.record(m, ctx.accountId, ctx, { event: 'team_created', entityType: 'team', entityId: row.id, data: { name: row.name } });
      return toTeamDto(row);
    });
  }

  async update(ctx: AccountContext, id: number, dto: UpdateTeamDto): Promise<TeamDto> {
    return runTransaction(this.dataSource, async (m) => {
      const current = await this.lockForChange(m, ctx.accountId, id);
      if (dto.name === undefined || dto.name === current.name) return toTeamDto(current);
      let row: TeamRow;
      try {
        [row] = await sqlRows<TeamRow>(
          m,
          `UPDATE teams SET name = $3, updated_at = now() WHERE account_id = $1 AND id = $2 RETURNING ${TEAM_COLUMNS}`,
          [ctx.accountId, id, dto.name],
        );
      } catch (error) {
        if (sqlState(error) === '23505') throw TeamErrors.nameTaken();
        throw error;
      }
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'team_updated',
        entityType: 'team',
        entityId: id,
        data: { changes: { name: { from: current.name, to: row.name } } },
      });
      return toTeamDto(row);
    });
  }

  /** Soft-deletes the team with its live lead sources and rotations: one audit entry per record. */
  async remove(ctx: AccountContext, id: number): Promise<void> {
    await runTransaction(this.dataSource, async (m) => {
      const team = await this.lockForChange(m, ctx.accountId, id);
      await m.query(`UPDATE teams SET deleted_at = now(), updated_at = now() WHERE account_id = $1 AND id = $2`, [ctx.accountId, id]);
      const sources = await sqlRows<{ id: number; name: string }>(
        m,
        `UPDATE lead_sources SET deleted_at = now(), updated_at = now()
          WHERE account_id = $1 AND team_id = $2 AND deleted_at IS NULL RETURNING id, name`,
        [ctx.accountId, id],
      );
      const rotations = await sqlRows<{ id: number; name: string; active: boolean }>(
        m,
        `UPDATE rotations SET deleted_at = now(), updated_at = now()
          WHERE account_id = $1 AND team_id = $2 AND deleted_at IS NULL RETURNING id, name, active`,
        [ctx.accountId, id],
      );
      const events: AuditEvent[] = [
        { event: 'team_deleted', entityType: 'team', entityId: id, data: { name: team.name } },
        ...sources
          .sort((a, b) => a.id - b.id)
          .map((s): AuditEvent => ({
            event: 'lead_source_deleted',
            entityType: 'lead_source',
            entityId: s.id,
            data: { name: s.name, teamId: id, reason: 'team_deleted' },
          })),
        ...rotations
          .sort((a, b) => a.id - b.id)
          .map((r): AuditEvent => ({
            event: 'rotation_deleted',
            entityType: 'rotation',
            entityId: r.id,
            data: { name: r.name, teamId: id, active: r.active, reason: 'team_deleted' },
          })),
      ];
      await this.audit.record(m, ctx.accountId, ctx, ...events);
    });
  }

  /**
   * For features that hang records on a team (lead sources, rotations, leads): whether `teamId` is a live
   * team of the account, share-locking it so it cannot be deleted or renamed before the caller commits.
   */
  async lockLive(m: EntityManager, accountId: string, teamId: number): Promise<boolean> {
    if (!Number.isInteger(teamId) || teamId < 1 || teamId > MAX_ID) return false;
    const rows: unknown[] = await m.query(
      `SELECT id FROM teams WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL FOR SHARE`,
      [accountId, teamId],
    );
    return rows.length > 0;
  }

  /**
   * NO KEY UPDATE, not UPDATE: it must not block the key-share lock of a foreign-key check (a lead being
   * inserted for this team while its transaction holds the team rotation's row lock), or a team delete,
   * which then waits for that rotation row, would deadlock with it.
   */
  private async lockForChange(m: EntityManager, accountId: string, id: number): Promise<TeamRow> {
    const [row]: TeamRow[] = await m.query(
      `SELECT ${TEAM_COLUMNS} FROM teams WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL FOR NO KEY UPDATE`,
      [accountId, id],
    );
    if (!row) throw TeamErrors.notFound();
    return row;
  }
}
