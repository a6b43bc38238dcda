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
import { CreateRotationDto, RotationDto, RotationPageDto, UpdateRotationDto } from './dto/rotation.dto';
import {
  assertActiveMembers,
  insertRotationMembers,
  readRotationMembers,
  sameMembers,
  userForSlot,
  type MemberInput,
  type RotationMemberState,
} from './rotation-members';
import { RotationErrors } from './rotations.errors';
import { runTransaction } from '../database/transaction';

interface RotationRow {
  id: number;
  account_id: string;
  team_id: number | null;
  name: string;
  active: boolean;
  /** bigint: turns handed out since the members last changed */
  position: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, account_id, team_id, name, active, position, created_at, updated_at';
const CURSOR_SCOPE = 'rotations';

function toDto(r: RotationRow, members: RotationMemberState[]): RotationDto {
  return {
    id: r.id,
    accountId: String(r.account_id),
    teamId: r.team_id,
    name: r.name,
    active: r.active,
    members: members.map((m) => ({ user: m.user, weight: m.weight })),
    nextUser: userForSlot(members, r.position),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const plain = (members: readonly MemberInput[]): MemberInput[] => members.map((m) => ({ user: m.user, weight: m.weight }));

/**
 * Rotations: who gets the leads of a team (or, for the default rotation, of the account) in turn.
 *
 * Position semantics. `position` counts the turns handed out; turn s goes to the smooth weighted round robin
 * schedule of the members active in the account at that moment, at index s mod W (see AssignmentService).
 * - Changing the member list (PATCH with a different `members`) resets `position` to 0, so the rotation
 *   restarts at its first member and every window of W turns matches the new weights from there on.
 *   Sending the same list again changes nothing.
 * - A member deactivated or removed from the account is left out of the schedule (W shrinks) without a
 *   reset, and is back in when reactivated. The position keeps counting; the window guarantee holds between
 *   such changes, as it does between member list changes.
 * - Deactivating and reactivating a rotation, or renaming it, keeps its position.
 * - Deleting is soft; a deleted rotation no longer exists for the API nor for assignment.
 */
@Injectable()
export class RotationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly teams: TeamsService,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
  ) {}

  /** Live rotations, oldest first. */
  async list(ctx: AccountContext, query: PageQueryDto): Promise<RotationPageDto> {
    const limit = query.limit!;
    const after = query.cursor ? Number(this.cursors.decode(CURSOR_SCOPE, query.cursor, 1)[0]) : 0;
    return runTransaction(this.dataSource, 'REPEATABLE READ', async (m) => {
      // One snapshot for the rotations and their members, so `nextUser` matches the members shown.
      const rows: RotationRow[] = await m.query(
        `SELECT ${COLUMNS} FROM rotations
          WHERE account_id = $1 AND deleted_at IS NULL AND id > $2 ORDER BY id LIMIT $3`,
        [ctx.accountId, after, limit + 1],
      );
      const members = await readRotationMembers(m, ctx.accountId, rows.map((r) => r.id));
      return toPage(rows, limit, this.cursors, CURSOR_SCOPE, (r) => [r.id], (r) => toDto(r, members.get(r.id)!));
    });
  }

  async get(ctx: AccountContext, id: number): Promise<RotationDto> {
    return runTransaction(this.dataSource, 'REPEATABLE READ', async (m) => {
      const [row]: RotationRow[] = await m.query(
        `SELECT ${COLUMNS} FROM rotations WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`,
        [ctx.accountId, id],
      );
      if (!row) throw RotationErrors.notFound();
      const members = await readRotationMembers(m, ctx.accountId, [id]);
      return toDto(row, members.get(id)!);
    });
  }

  async create(ctx: AccountContext, dto: CreateRotationDto): Promise<RotationDto> {
    const teamId = dto.teamId ?? null;
    const active = dto.active ?? true;
    const members = dto.members.map((x) => ({ user: x.user, weight: x.weight ?? 1 }));
    return runTransaction(this.dataSource, async (m) => {
      // Share-locks the team: a concurrent team delete waits, then deletes this rotation with the team.
      if (teamId !== null && !(await this.teams.lockLive(m, ctx.accountId, teamId))) throw RotationErrors.teamNotFound();
      await assertActiveMembers(m, ctx.accountId, members);
      // The partial unique indexes (one active rotation per team, one active default) decide, race-free.
      const [row]: RotationRow[] = await m.query(
        `INSERT INTO rotations (account_id, team_id, name, active) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
        [ctx.accountId, teamId, dto.name, active],
      );
      if (!row) throw this.activeConflict(teamId);
      await insertRotationMembers(m, ctx.accountId, row.id, members);
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'rotation_created',
        entityType: 'rotation',
        entityId: row.id,
        data: { name: row.name, teamId, active, members },
      });
      return toDto(row, (await readRotationMembers(m, ctx.accountId, [row.id])).get(row.id)!);
    });
  }

  /** Renames, (de)activates, or replaces the member list; a different member list resets the position to 0. */
  async update(ctx: AccountContext, id: number, dto: UpdateRotationDto): Promise<RotationDto> {
    return runTransaction(this.dataSource, async (m) => {
      const current = await this.lockForChange(m, ctx.accountId, id);
      const currentMembers = (await readRotationMembers(m, ctx.accountId, [id])).get(id)!;
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      let members: MemberInput[] | null = null;
      if (dto.members !== undefined) {
        const next = dto.members.map((x) => ({ user: x.user, weight: x.weight ?? 1 }));
        await assertActiveMembers(m, ctx.accountId, next);
        if (!sameMembers(currentMembers, next)) {
          members = next;
          changes.members = { from: plain(currentMembers), to: next };
        }
      }
      if (dto.name !== undefined && dto.name !== current.name) changes.name = { from: current.name, to: dto.name };
      if (dto.active !== undefined && dto.active !== current.active) changes.active = { from: current.active, to: dto.active };
      if (Object.keys(changes).length === 0) return toDto(current, currentMembers);

      let row: RotationRow;
      try {
        [row] = await sqlRows<RotationRow>(
          m,
          `UPDATE rotations
              SET name = $3, active = $4, updated_at = now(),
                  position = CASE WHEN $5 THEN 0 ELSE position END,
                  members_version = members_version + CASE WHEN $5 THEN 1 ELSE 0 END
            WHERE account_id = $1 AND id = $2
            RETURNING ${COLUMNS}`,
          [ctx.accountId, id, dto.name ?? current.name, dto.active ?? current.active, members !== null],
        );
      } catch (error) {
        if (sqlState(error) === '23505') throw this.activeConflict(current.team_id);
        throw error;
      }
      if (members) {
        await m.query(`DELETE FROM rotation_members WHERE account_id = $1 AND rotation_id = $2`, [ctx.accountId, id]);
        await insertRotationMembers(m, ctx.accountId, id, members);
      }
      await this.audit.record(m, ctx.accountId, ctx, { event: 'rotation_updated', entityType: 'rotation', entityId: id, data: { changes } });
      return toDto(row, members ? (await readRotationMembers(m, ctx.accountId, [id])).get(id)! : currentMembers);
    });
  }

  async remove(ctx: AccountContext, id: number): Promise<void> {
    await runTransaction(this.dataSource, async (m) => {
      const current = await this.lockForChange(m, ctx.accountId, id);
      await m.query(`UPDATE rotations SET deleted_at = now(), updated_at = now() WHERE account_id = $1 AND id = $2`, [ctx.accountId, id]);
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'rotation_deleted',
        entityType: 'rotation',
        entityId: id,
        data: { name: current.name, teamId: current.team_id, active: current.active },
      });
    });
  }

  private async lockForChange(m: EntityManager, accountId: string, id: number): Promise<RotationRow> {
    const [row]: RotationRow[] = await m.query(
      `SELECT ${COLUMNS} FROM rotations WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL FOR NO KEY UPDATE`,
      [accountId, id],
    );
    if (!row) throw RotationErrors.notFound();
    return row;
  }

  private activeConflict(teamId: number | null) {
    return teamId === null ? RotationErrors.activeDefaultExists() : RotationErrors.activeTeamRotationExists();
  }
}
