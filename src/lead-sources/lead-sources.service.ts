import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { sqlState } from '../common/filters/database-errors';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { toPage } from '../common/pagination/page';
import { sqlRows } from '../database/sql';
import { TeamsService } from '../teams/teams.service';
import {
  CreateLeadSourceDto,
  LEAD_SOURCE_COLUMNS,
  LeadSourceDto,
  LeadSourcePageDto,
  LeadSourceRow,
  toLeadSourceDto,
  UpdateLeadSourceDto,
} from './dto/lead-source.dto';
import { LeadSourceErrors } from './lead-sources.errors';
import { runTransaction } from '../database/transaction';

const CURSOR_SCOPE = 'lead-sources';
const MAX_ID = 2_147_483_647;

/**
 * Lead sources belong to a team. A deleted source (deleted_at set) no longer exists for the API; deleting a
 * team deletes its sources too (TeamsService), so a live source always has a live team.
 */
@Injectable()
export class LeadSourcesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly teams: TeamsService,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
  ) {}

  /** The team's live sources, oldest first; 404 when the team does not exist. */
  async listForTeam(ctx: AccountContext, teamId: number, query: PageQueryDto): Promise<LeadSourcePageDto> {
    const limit = query.limit!;
    const after = query.cursor ? Number(this.cursors.decode(CURSOR_SCOPE, query.cursor, 1)[0]) : 0;
    // One statement, so the team check and the page come from one snapshot.
    const rows: (LeadSourceRow | { id: null })[] = await this.dataSource.query(
      `SELECT s.* FROM teams t
         LEFT JOIN LATERAL (
           SELECT ${LEAD_SOURCE_COLUMNS} FROM lead_sources
            WHERE account_id = t.account_id AND team_id = t.id AND deleted_at IS NULL AND id > $3
            ORDER BY id LIMIT $4
         ) s ON true
        WHERE t.account_id = $1 AND t.id = $2 AND t.deleted_at IS NULL
        ORDER BY s.id`,
      [ctx.accountId, teamId, after, limit + 1],
    );
    if (rows.length === 0) throw LeadSourceErrors.teamNotFound();
    const sources = rows.filter((r): r is LeadSourceRow => r.id !== null);
    return toPage(sources, limit, this.cursors, CURSOR_SCOPE, (r) => [r.id], toLeadSourceDto);
  }

  async get(ctx: AccountContext, id: number): Promise<LeadSourceDto> {
    const [row]: LeadSourceRow[] = await this.dataSource.query(
      `SELECT ${LEAD_SOURCE_COLUMNS} FROM lead_sources WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [ctx.accountId, id],
    );
    if (!row) throw LeadSourceErrors.notFound();
    return toLeadSourceDto(row);
  }

  async create(ctx: AccountContext, teamId: number, dto: CreateLeadSourceDto): Promise<LeadSourceDto> {
    return runTransaction(this.dataSource, async (m) => {
      // Share-locks the team: a concurrent team delete waits for this source (and then deletes it too).
      if (!(await this.teams.lockLive(m, ctx.accountId, teamId))) throw LeadSourceErrors.teamNotFound();
      const [row]: LeadSourceRow[] = await m.query(
        `INSERT INTO lead_sources (account_id, team_id, name) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, team_id, (lower(name))) WHERE deleted_at IS NULL DO NOTHING
         RETURNING ${LEAD_SOURCE_COLUMNS}`,
        [ctx.accountId, teamId, dto.name],
      );
      if (!row) throw LeadSourceErrors.nameTaken();
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'lead_source_created',
        entityType: 'lead_source',
        entityId: row.id,
        data: { name: row.name, teamId },
      });
      return toLeadSourceDto(row);
    });
  }

  async update(ctx: AccountContext, id: number, dto: UpdateLeadSourceDto): Promise<LeadSourceDto> {
    return runTransaction(this.dataSource, async (m) => {
      const current = await this.lockForChange(m, ctx.accountId, id);
      if (dto.name === undefined || dto.name === current.name) return toLeadSourceDto(current);
      let row: LeadSourceRow;
      try {
        [row] = await sqlRows<LeadSourceRow>(
          m,
          `UPDATE lead_sources SET name = $3, updated_at = now() WHERE account_id = $1 AND id = $2 RETURNING ${LEAD_SOURCE_COLUMNS}`,
          [ctx.accountId, id, dto.name],
        );
      } catch (error) {
        if (sqlState(error) === '23505') throw LeadSourceErrors.nameTaken();
        throw error;
      }
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'lead_source_updated',
        entityType: 'lead_source',
        entityId: id,
        data: { changes: { name: { from: current.name, to: row.name } } },
      });
      return toLeadSourceDto(row);
    });
  }

  async remove(ctx: AccountContext, id: number): Promise<void> {
    await runTransaction(this.dataSource, async (m) => {
      const current = await this.lockForChange(m, ctx.accountId, id);
      await m.query(`UPDATE lead_sources SET deleted_at = now(), updated_at = now() WHERE account_id = $1 AND id = $2`, [ctx.accountId, id]);
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'lead_source_deleted',
        entityType: 'lead_source',
        entityId: id,
        data: { name: current.name, teamId: current.team_id },
      });
    });
  }

  /**
   * For features that reference a source (leads): the live source `id` of the account, share-locked so it
   * cannot be deleted or renamed before the caller commits; null when there is none.
   */
  async lockLive(m: EntityManager, accountId: string, id: number): Promise<LeadSourceDto | null> {
    if (!Number.isInteger(id) || id < 1 || id > MAX_ID) return null;
    const [row]: LeadSourceRow[] = await m.query(
      `SELECT ${LEAD_SOURCE_COLUMNS} FROM lead_sources WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL FOR SHARE`,
      [accountId, id],
    );
    return row ? toLeadSourceDto(row) : null;
  }

  private async lockForChange(m: EntityManager, accountId: string, id: number): Promise<LeadSourceRow> {
    const [row]: LeadSourceRow[] = await m.query(
      `SELECT ${LEAD_SOURCE_COLUMNS} FROM lead_sources WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL FOR NO KEY UPDATE`,
      [accountId, id],
    );
    if (!row) throw LeadSourceErrors.notFound();
    return row;
  }
}
