import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { hasPermission } from '../accounts/roles';
import { AuditService } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { sqlRows } from '../database/sql';
import { ConvertLeadDto } from './dto/convert-lead.dto';
import { LeadPatchDto } from './dto/lead-patch.dto';
import { LeadDto, toLeadDto } from './dto/lead.dto';
import { INPUT_COLUMNS, type InputField } from './lead-columns';
import { LeadReadsService } from './lead-reads.service';
import { checkLeadRules } from './lead-rules';
import { LeadBatchService } from './lead-batch.service';
import { matchKeysOf } from './match-keys';
import { LeadErrors } from './leads.errors';
import { LOCK_LEAD, SET_APPLICATION_ID, SET_ARCHIVED, TOUCH_LEAD, UPDATE_LEAD, type LockedLeadRow } from './leads.queries';
import { runTransaction } from '../database/transaction';
import type { NewEvent } from '../webhooks/event-types';
import { OutboxService } from '../webhooks/outbox.service';

export interface UpdateLeadOptions {
  skipTeamAndSourceRequirement: boolean;
}

/** data.changes of a lead's audit entry: each changed field's value before and after, as the API shows them. */
type Changes = Partial<Record<InputField | 'applicationId', { from: unknown; to: unknown }>>;

/**
 * PATCH /leads/{id}, archive, unarchive and convert. Each is one transaction that first locks the lead's row
 * (FOR NO KEY UPDATE: nothing references a lead by key, and it serialises every change of the lead), so two
 * concurrent changes of one lead run one after the other and each audit entry's `from` is the value that
 * change replaced. Then the rules, the change, its audit entry, and the answer: the Lead with its whole
 * audit log, read in the same transaction.
 *
 * Lock order: the lead, then (rules) its team and lead source FOR SHARE, then the assignee's membership
 * FOR SHARE. Nothing that locks those rows first ever waits for a lead, so no cycle can form.
 */
@Injectable()
export class LeadChangesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly reads: LeadReadsService,
    private readonly batches: LeadBatchService,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * Changes the fields the patch carries whose value differs. Nothing differs: no write, no entry. Changing
   * `archived` needs the archive permission and records lead_archived / lead_unarchived; a new team or source
   * is checked by rules 1-4 (for the resulting pair), a new assignee by rule 5.
   */
  async update(ctx: AccountContext, id: number, patch: LeadPatchDto, options: UpdateLeadOptions): Promise<LeadDto> {
    return runTransaction(this.dataSource, async (m) => {
      const current = await this.lock(m, ctx.accountId, id, patch.lastContacted ?? null);
      const before = toLeadDto(current);
      const changed = INPUT_COLUMNS.filter(([field]) => {
        const value = patch[field];
        if (value === undefined) return false;
        return field === 'lastContacted' ? current.last_contacted_differs === true : value !== before[field];
      });
      if (changed.length === 0) return this.reads.withHistory(m, ctx.accountId, current);
      const fields = new Set<InputField>(changed.map(([field]) => field));

      if (fields.has('archived') && !hasPermission(ctx.role, 'leads:archive')) throw LeadErrors.archiveChangeNotAllowed();
      const teamAndSource =
        fields.has('teamId') || fields.has('leadSourceId')
          ? {
              teamId: patch.teamId === undefined ? before.teamId : patch.teamId,
              leadSourceId: patch.leadSourceId === undefined ? before.leadSourceId : patch.leadSourceId,
            }
          : null;
      const assignedTo = fields.has('assignedTo') ? ((patch.assignedTo as string | null | undefined) ?? null) : null;
      if (teamAndSource || assignedTo !== null) {
        await checkLeadRules(m, ctx.accountId, { teamAndSource, assignedTo }, options.skipTeamAndSourceRequirement);
      }

      const columns: Record<string, unknown> = Object.fromEntries(changed.map(([field, column]) => [column, patch[field]]));
      if (fields.has('email') || fields.has('phone')) {
        // the match keys follow the email and phone (API.md section 11)
        const { country } = await this.batches.settings(m, ctx.accountId);
        const keys = matchKeysOf({ email: fields.has('email') ? patch.email : before.email, phone: fields.has('phone') ? patch.phone : before.phone }, country);
        Object.assign(columns, { email_key: keys.emailKey, phone_key: keys.phoneKey });
      }
      // a change by the assignee is their first touch; archiving or handing the lead to someone else ends the timer
      const timer = { touch: touchedBy(ctx, current), stopTimer: fields.has('assignedTo') || patch.archived === true };
      const [row] = await sqlRows(m, UPDATE_LEAD, { accountId: ctx.accountId, id, changes: JSON.stringify(columns), ...timer });
      const after = toLeadDto(row);
      const changes: Changes = {};
      for (const [field] of changed) changes[field] = { from: before[field], to: after[field] };
      const event = fields.has('archived') ? (after.archived ? 'lead_archived' : 'lead_unarchived') : 'lead_updated';
      await this.audit.record(m, ctx.accountId, ctx, { event, entityType: 'lead', entityId: id, data: { changes } });
      await this.outbox.emit(m, ctx.accountId, changeEvents(after, changes));
      return this.reads.withHistory(m, ctx.accountId, row);
    });
  }

  /** Archives or unarchives; a lead already in that state is answered as it is, with no new entry. */
  async setArchived(ctx: AccountContext, id: number, archived: boolean): Promise<LeadDto> {
    return runTransaction(this.dataSource, async (m) => {
      const current = await this.lock(m, ctx.accountId, id);
      if (current.archived === archived) return this.reads.withHistory(m, ctx.accountId, current);
      const [row] = await sqlRows(m, SET_ARCHIVED, { accountId: ctx.accountId, id, archived, touch: touchedBy(ctx, current), stopTimer: archived });
      await this.audit.record(m, ctx.accountId, ctx, {
        event: archived ? 'lead_archived' : 'lead_unarchived',
        entityType: 'lead',
        entityId: id,
        data: { changes: { archived: { from: current.archived, to: row.archived } } satisfies Changes },
      });
      await this.outbox.emit(m, ctx.accountId, changeEvents(toLeadDto(row), { archived: { from: current.archived, to: row.archived } }));
      return this.reads.withHistory(m, ctx.accountId, row);
    });
  }

  /** Sets applicationId (the given one, or `app_` + 24 hex characters); a lead converted already → 409. */
  async convert(ctx: AccountContext, id: number, dto: ConvertLeadDto): Promise<LeadDto> {
    return runTransaction(this.dataSource, async (m) => {
      const current = await this.lock(m, ctx.accountId, id);
      if (current.application_id !== null) throw LeadErrors.alreadyConverted(current.application_id);
      const generated = dto.applicationId === undefined || dto.applicationId === null;
      const applicationId = generated ? newApplicationId() : dto.applicationId;
      const [row] = await sqlRows(m, SET_APPLICATION_ID, { accountId: ctx.accountId, id, applicationId: applicationId!, touch: touchedBy(ctx, current), stopTimer: false });
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'lead_converted',
        entityType: 'lead',
        entityId: id,
        data: { changes: { applicationId: { from: null, to: row.application_id } } satisfies Changes, generated },
      });
      await this.outbox.emit(m, ctx.accountId, [
        { type: 'lead.converted', data: { lead: toLeadDto(row), changes: { applicationId: { from: null, to: row.application_id } } } },
      ]);
      return this.reads.withHistory(m, ctx.accountId, row);
    });
  }

  /**
   * POST /leads/{id}/touch (API.md 10): the assignee's first touch. Only the assignee may (403 otherwise); when a
   * first-touch deadline runs, it goes and firstTouchedAt is set. Audited (`lead_touched`) whether or not a timer ran.
   */
  async touch(ctx: AccountContext, id: number): Promise<void> {
    await runTransaction(this.dataSource, async (m) => {
      const current = await this.lock(m, ctx.accountId, id);
      if (!touchedBy(ctx, current)) throw LeadErrors.touchNotAssignee();
      // no running timer (none applies, or it was touched already): the touch changes nothing, and writes no entry
      if (current.first_touch_due_at === null) return;
      const [row] = await sqlRows(m, TOUCH_LEAD, { accountId: ctx.accountId, id });
      const dueAt = new Date(current.first_touch_due_at).toISOString();
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'lead_touched',
        entityType: 'lead',
        entityId: id,
        data: { firstTouchDueAt: dueAt, firstTouchedAt: row.first_touched_at === null ? null : new Date(row.first_touched_at).toISOString(), timerRan: true },
      });
    });
  }

  /** The lead's row, locked until the transaction ends; 404 when the account has no such lead. */
  private async lock(m: EntityManager, accountId: string, id: number, lastContacted: string | null = null): Promise<LockedLeadRow> {
    const [row] = await sqlRows(m, LOCK_LEAD, { accountId, id, lastContacted });
    if (!row) throw LeadErrors.notFound();
    return row;
  }
}

/**
 * The events of a change (API.md 10), as its audit entry: `lead.archived` / `lead.unarchived` when `archived`
 * changed, else `lead.updated`, each with `data.changes`; then `lead.stage_changed` when processStage changed,
 * and `lead.assigned` when the lead got a new assignee (not when it was unassigned).
 */
function changeEvents(lead: LeadDto, changes: Changes): NewEvent[] {
  const events: NewEvent[] = [];
  const archived = changes.archived;
  events.push({ type: archived ? (archived.to ? 'lead.archived' : 'lead.unarchived') : 'lead.updated', data: { lead, changes } });
  const stage = changes.processStage;
  if (stage) events.push({ type: 'lead.stage_changed', data: { lead, from: stage.from, to: stage.to } });
  const assignee = changes.assignedTo;
  if (assignee && assignee.to !== null) {
    events.push({ type: 'lead.assigned', data: { lead, previousUser: assignee.from, assignment: { reason: 'manual', user: assignee.to } } });
  }
  return events;
}

/** Whether the caller is the lead's assignee (whose changes count as the first touch). */
function touchedBy(ctx: AccountContext, lead: LockedLeadRow): boolean {
  return lead.assigned_to !== null && lead.assigned_to === ctx.user;
}

function newApplicationId(): string {
  return `app_${randomBytes(12).toString('hex')}`;
}
