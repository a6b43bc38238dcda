import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, MoreThan } from 'typeorm';
import { MembersService } from '../accounts/members.service';
import { AuditService, type AuditEvent } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { uniquelyWritten } from '../common/filters/database-errors';
import type { FieldError } from '../common/http/validation.exception';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { toPage } from '../common/pagination/page';
import { TeamsService } from '../teams/teams.service';
import { CreateRotationDto, RotationDto, RotationPageDto, UpdateRotationDto } from './dto/rotation.dto';
import type { RotationStatsDto, StatsQueryDto } from './dto/rotation-insight.dto';
import { sameMembers, sameMembersAndCaps, type MemberInput, type RotationMemberState } from './rotation-members';
import { AssignmentService } from './assignment.service';
import { RotationMemberEntity } from './rotation-member.entity';
import { RotationEntity } from './rotation.entity';
import { RotationErrors } from './rotations.errors';
import { runTransaction } from '../database/transaction';
import { numericId } from '../database/numeric-id';

const CURSOR_SCOPE = 'rotations';

function toDto(rotation: RotationEntity, members: RotationMemberState[], nextUser: string | null): RotationDto {
  return {
    id: numericId(rotation.id),
    accountId: rotation.accountId,
    teamId: numericId(rotation.teamId),
    name: rotation.name,
    active: rotation.active,
    respectAvailability: rotation.respectAvailability,
    firstTouchSeconds: rotation.firstTouchSeconds,
    maxReassignments: rotation.maxReassignments,
    members: members.map((m) => ({ user: m.user, weight: m.weight, ...capsOf(m) })),
    nextUser,
    createdAt: rotation.createdAt,
    updatedAt: rotation.updatedAt,
  };
}

/** `{caps: {day?, week?}}` with the caps that are set; nothing when the member has none. */
function capsOf(m: { capDay?: number | null; capWeek?: number | null }): { caps?: { day?: number; week?: number } } {
  if (!m.capDay && !m.capWeek) return {};
  return { caps: { ...(m.capDay ? { day: m.capDay } : {}), ...(m.capWeek ? { week: m.capWeek } : {}) } };
}

/** A member list as the API and the audit log show it (caps only when set). */
const plain = (members: readonly (MemberInput | RotationMemberState)[]) => members.map((m) => ({ user: m.user, weight: m.weight, ...capsOf(m) }));

const memberInputs = (members: CreateRotationDto['members']): MemberInput[] =>
  members.map((x) => ({ user: x.user, weight: x.weight ?? 1, capDay: x.caps?.day ?? null, capWeek: x.caps?.week ?? null }));

const asInputs = (members: readonly RotationMemberState[]): MemberInput[] =>
  members.map((m) => ({ user: m.user, weight: m.weight, capDay: m.capDay ?? null, capWeek: m.capWeek ?? null }));

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
 * - Deleting is soft; a deleted rotation no longer exists for the API nor for assignment. Deleting a team
 *   deletes its rotations (the cascade this service registers with TeamsService).
 */
@Injectable()
export class RotationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly teams: TeamsService,
    private readonly accountMembers: MembersService,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
    private readonly assignment: AssignmentService,
  ) {
    teams.cascadeOnDelete('rotation', (m, accountId, teamId) => this.removeAllOfTeam(m, accountId, teamId));
  }

  /** Live rotations, oldest first. */
  async list(ctx: AccountContext, query: PageQueryDto): Promise<RotationPageDto> {
    const limit = query.limit!;
    const after = query.cursor ? Number(this.cursors.decode(CURSOR_SCOPE, query.cursor, 1)[0]) : 0;
    return runTransaction(this.dataSource, 'REPEATABLE READ', async (m) => {
      // One snapshot for the rotations and their members, so `nextUser` matches the members shown.
      const page = await m.find(RotationEntity, { where: { accountId: ctx.accountId, id: MoreThan(after) }, order: { id: 'ASC' }, take: limit + 1 });
      const ids = page.map((rotation) => rotation.id);
      const members = await this.readMembers(m, ctx.accountId, ids);
      const next = await this.assignment.preview(m, ctx.accountId, ids, 1);
      return toPage(page, limit, this.cursors, CURSOR_SCOPE, (rotation) => [rotation.id], (rotation) => toDto(rotation, members.get(rotation.id)!, next.get(rotation.id)?.[0] ?? null));
    });
  }

  async get(ctx: AccountContext, id: number): Promise<RotationDto> {
    return runTransaction(this.dataSource, 'REPEATABLE READ', async (m) => {
      const rotation = await m.findOneBy(RotationEntity, { accountId: ctx.accountId, id });
      if (!rotation) throw RotationErrors.notFound();
      return this.toDtoNow(m, rotation);
    });
  }

  /** The rotation with its members and who would get its next lead now. */
  private async toDtoNow(m: EntityManager, rotation: RotationEntity): Promise<RotationDto> {
    const members = await this.readMembers(m, rotation.accountId, [rotation.id]);
    const next = await this.assignment.preview(m, rotation.accountId, [rotation.id], 1);
    return toDto(rotation, members.get(rotation.id)!, next.get(rotation.id)?.[0] ?? null);
  }

  /** GET /rotations/{id}/stats: who the rotation assigned leads to in [from, to), against the weights. */
  async stats(ctx: AccountContext, id: number, query: StatsQueryDto): Promise<RotationStatsDto> {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 7 * 24 * 3600_000);
    if (!(from.getTime() < to.getTime())) throw RotationErrors.badPeriod();
    return runTransaction(this.dataSource, 'REPEATABLE READ', async (m) => {
      const rotation = await m.findOneBy(RotationEntity, { accountId: ctx.accountId, id });
      if (!rotation) throw RotationErrors.notFound();
      const members = (await this.readMembers(m, ctx.accountId, [id])).get(id)!;
      const counts = await this.audit.rotationAssignmentCounts(m, ctx.accountId, id, from.toISOString(), to.toISOString());
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const weights = members.reduce((a, b) => a + b.weight, 0);
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        total,
        members: members.map((member) => {
          const assigned = counts.get(member.user) ?? 0;
          return { user: member.user, weight: member.weight, assigned, share: total === 0 ? 0 : assigned / total, expectedShare: member.weight / weights };
        }),
      };
    });
  }

  /** GET /rotations/{id}/preview: who the next `count` leads would go to now; moves nothing. */
  async preview(ctx: AccountContext, id: number, count: number): Promise<{ data: { user: string | null }[] }> {
    return runTransaction(this.dataSource, 'REPEATABLE READ', async (m) => {
      const rotation = await m.findOneBy(RotationEntity, { accountId: ctx.accountId, id });
      if (!rotation) throw RotationErrors.notFound();
      const users = (await this.assignment.preview(m, ctx.accountId, [id], count)).get(id) ?? [];
      return { data: users.map((user) => ({ user })) };
    });
  }

  async create(ctx: AccountContext, dto: CreateRotationDto): Promise<RotationDto> {
    const teamId = dto.teamId ?? null;
    const active = dto.active ?? true;
    const members = memberInputs(dto.members);
    const respectAvailability = dto.respectAvailability ?? false;
    const firstTouchSeconds = dto.firstTouchSeconds ?? null;
    const maxReassignments = dto.maxReassignments ?? 2;
    return runTransaction(this.dataSource, async (m) => {
      // Share-locks the team: a concurrent team delete waits, then deletes this rotation with the team.
      if (teamId !== null && !(await this.teams.lockLive(m, ctx.accountId, teamId))) throw RotationErrors.teamNotFound();
      await this.assertActiveMembers(m, ctx.accountId, members);
      // The partial unique indexes (one active rotation per team, one active default) decide, race-free.
      const rotation = m.create(RotationEntity, { accountId: ctx.accountId, teamId, name: dto.name, active, respectAvailability, firstTouchSeconds, maxReassignments });
      await this.activeUniquely(teamId, () => m.insert(RotationEntity, rotation));
      await this.insertMembers(m, rotation, members);
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'rotation_created',
        entityType: 'rotation',
        entityId: rotation.id,
        data: { name: rotation.name, teamId, active, respectAvailability, firstTouchSeconds, maxReassignments, members: plain(members) },
      });
      return this.toDtoNow(m, rotation);
    });
  }

  /** Renames, (de)activates, or replaces the member list; a different member list resets the position to 0. */
  async update(ctx: AccountContext, id: number, dto: UpdateRotationDto): Promise<RotationDto> {
    return runTransaction(this.dataSource, async (m) => {
      const current = await this.lockForChange(m, ctx.accountId, id);
      const currentMembers = (await this.readMembers(m, ctx.accountId, [id])).get(id)!;
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      let members: MemberInput[] | null = null;
      let restarts = false;
      if (dto.members !== undefined) {
        const next = memberInputs(dto.members);
        await this.assertActiveMembers(m, ctx.accountId, next);
        if (!sameMembersAndCaps(asInputs(currentMembers), next)) {
          members = next;
          restarts = !sameMembers(currentMembers, next);
          changes.members = { from: plain(currentMembers), to: plain(next) };
        }
      }
      if (dto.name !== undefined && dto.name !== current.name) changes.name = { from: current.name, to: dto.name };
      if (dto.active !== undefined && dto.active !== current.active) changes.active = { from: current.active, to: dto.active };
      if (dto.respectAvailability !== undefined && dto.respectAvailability !== current.respectAvailability) {
        changes.respectAvailability = { from: current.respectAvailability, to: dto.respectAvailability };
      }
      if (dto.firstTouchSeconds !== undefined && dto.firstTouchSeconds !== current.firstTouchSeconds) {
        changes.firstTouchSeconds = { from: current.firstTouchSeconds, to: dto.firstTouchSeconds };
      }
      if (dto.maxReassignments !== undefined && dto.maxReassignments !== current.maxReassignments) {
        changes.maxReassignments = { from: current.maxReassignments, to: dto.maxReassignments };
      }
      if (Object.keys(changes).length === 0) return this.toDtoNow(m, current);

      const settings = {
        name: dto.name ?? current.name,
        active: dto.active ?? current.active,
        respectAvailability: dto.respectAvailability ?? current.respectAvailability,
        firstTouchSeconds: dto.firstTouchSeconds === undefined ? current.firstTouchSeconds : dto.firstTouchSeconds,
        maxReassignments: dto.maxReassignments ?? current.maxReassignments,
      };
      // A new member list (users or weights) restarts the rotation; any change of how it routes (members, caps,
      // availability) tells the assignment engine, so no turn is taken with a plan made under the old settings.
      // (the timer too: the one-statement insert sets a lead's deadline from the plan)
      const routingChanged = members !== null || changes.respectAvailability !== undefined || changes.firstTouchSeconds !== undefined;
      const restart = restarts ? { position: '0' } : {};
      const version = routingChanged ? { membersVersion: () => 'members_version + 1' } : {};
      // whereEntity: the entity's updatedAt is refreshed from the statement's RETURNING
      const change = m.createQueryBuilder().update(RotationEntity).set({ ...settings, ...restart, ...version }).whereEntity(current).andWhere({ accountId: ctx.accountId });
      await this.activeUniquely(current.teamId, () => change.execute());
      const rotation: RotationEntity = { ...current, ...settings, position: restarts ? '0' : current.position };
      if (members) {
        await m.delete(RotationMemberEntity, { accountId: ctx.accountId, rotationId: id });
        await this.insertMembers(m, rotation, members);
      }
      await this.audit.record(m, ctx.accountId, ctx, { event: 'rotation_updated', entityType: 'rotation', entityId: id, data: { changes } });
      return this.toDtoNow(m, rotation);
    });
  }

  async remove(ctx: AccountContext, id: number): Promise<void> {
    await runTransaction(this.dataSource, async (m) => {
      const current = await this.lockForChange(m, ctx.accountId, id);
      await m.softDelete(RotationEntity, { accountId: ctx.accountId, id });
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'rotation_deleted',
        entityType: 'rotation',
        entityId: id,
        data: { name: current.name, teamId: current.teamId, active: current.active },
      });
    });
  }

  /** The members of each of `rotationIds`, in turn order, with where they stand in the account now. */
  private async readMembers(m: EntityManager, accountId: string, rotationIds: number[]): Promise<Map<number, RotationMemberState[]>> {
    const byRotation = new Map<number, RotationMemberState[]>(rotationIds.map((id) => [id, []]));
    if (rotationIds.length === 0) return byRotation;
    const members = await m.find(RotationMemberEntity, {
      where: { accountId, rotationId: In(rotationIds) },
      order: { rotationId: 'ASC', ordinal: 'ASC' },
    });
    const active = await this.accountMembers.activeByEmail(m, accountId, members.map((member) => member.userEmail));
    for (const member of members) {
      const state = active.get(member.userEmail);
      byRotation.get(member.rotationId)!.push({
        user: member.userEmail,
        weight: member.weight,
        capDay: member.capDay,
        capWeek: member.capWeek,
        status: state === undefined ? 'not_a_member' : state ? 'active' : 'inactive',
      });
    }
    return byRotation;
  }

  /** 400 naming each of `members` who is not an active member of the account. */
  private async assertActiveMembers(m: EntityManager, accountId: string, members: MemberInput[]): Promise<void> {
    const active = await this.accountMembers.activeByEmail(m, accountId, members.map((member) => member.user));
    const details: FieldError[] = members.flatMap((member, i) =>
      active.get(member.user) ? [] : [{ field: `members[${i}].user`, message: `${member.user} is not an active member of the account` }],
    );
    if (details.length > 0) throw RotationErrors.notActiveMembers(details);
  }

  /** A team is being deleted (TeamsService.remove, same transaction): its live rotations go with it. */
  private async removeAllOfTeam(m: EntityManager, accountId: string, teamId: number): Promise<AuditEvent[]> {
    const removed: Pick<RotationEntity, 'id' | 'name' | 'active'>[] = (
      await m
        .createQueryBuilder()
        .softDelete()
        .from(RotationEntity)
        .where({ accountId, teamId })
        .andWhere('deleted_at IS NULL')
        .returning(['id', 'name', 'active'])
        .execute()
    ).raw;
    return removed
      .sort((a, b) => a.id - b.id)
      .map((rotation) => ({
        event: 'rotation_deleted',
        entityType: 'rotation',
        entityId: rotation.id,
        data: { name: rotation.name, teamId, active: rotation.active, reason: 'team_deleted' },
      }));
  }

  private async lockForChange(m: EntityManager, accountId: string, id: number): Promise<RotationEntity> {
    const rotation = await m.findOne(RotationEntity, { where: { accountId, id }, lock: { mode: 'for_no_key_update' } });
    if (!rotation) throw RotationErrors.notFound();
    return rotation;
  }

  /** Writes the member list of a rotation (which has none yet), in turn order. */
  private async insertMembers(m: EntityManager, rotation: RotationEntity, members: MemberInput[]): Promise<void> {
    await m.insert(
      RotationMemberEntity,
      members.map((member, ordinal) => ({
        accountId: rotation.accountId,
        rotationId: rotation.id,
        ordinal,
        userEmail: member.user,
        weight: member.weight,
        capDay: member.capDay,
        capWeek: member.capWeek,
      })),
    );
  }

  /**
   * Runs an insert or update of a rotation; the partial unique indexes (one active rotation per team, one active
   * default per account) refuse a second active one, race-free: a 409.
   */
  private async activeUniquely(teamId: number | null, write: () => Promise<unknown>): Promise<void> {
    await uniquelyWritten(write, teamId === null ? RotationErrors.activeDefaultExists : RotationErrors.activeTeamRotationExists);
  }

}
