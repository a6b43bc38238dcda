import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { sqlRows } from '../database/sql';
import { TransactionUnusable, withSavepoint } from '../database/transaction';
import { JobRunner } from '../jobs/job-runner';
import { AssignmentService } from '../rotations/assignment.service';
import type { NewEvent } from '../webhooks/event-types';
import { OutboxService } from '../webhooks/outbox.service';
import { toLeadDto } from './dto/lead.dto';
import { DUE_FIRST_TOUCH, END_FIRST_TOUCH, LOCK_DUE_LEAD, REASSIGN_FIRST_TOUCH, type DueLeadRow } from './leads.queries';

/** The job's name (and advisory lock). */
export const FIRST_TOUCH_JOB = 'first-touch-breaches';

/** Leads one run handles at most; with more due, the runner runs again shortly. */
const PER_RUN = 50;

/** Who the breach job's audit entries name: no person made the change. */
export const FIRST_TOUCH_ACTOR: Actor = { user: 'system', apiKeyId: null };

/**
 * First-touch breaches (API.md 10). A lead a rotation with `firstTouchSeconds` assigned carries a deadline
 * (`first_touch_due_at`, set by the insert that assigned it); a touch by its assignee clears it
 * (LeadChangesService). This job, on the one job runner (every FIRST_TOUCH_INTERVAL_MS, one process at a time under
 * the job's advisory lock), takes the leads whose deadline passed:
 * - below the rotation's `maxReassignments`, the lead is reassigned through that same rotation to the next eligible
 *   member who has not held it (the routing engine, `already_had_lead`), turn and caps counted under the
 *   rotation's row lock; audit `lead_reassigned` {from, to, assignment}; events `lead.first_touch_breached` and
 *   `lead.assigned` (reason `first_touch_sla`); the new assignee gets a fresh deadline;
 * - at `maxReassignments`, with no one eligible left, or when the rotation is gone: the lead stays, its deadline
 *   goes, and only `lead.first_touch_breached` is emitted.
 * Exactly once: each lead is locked FOR NO KEY UPDATE (SKIP LOCKED, still due once locked) and its deadline changes in the transaction that
 * writes its audit entry and events. Each lead's breach runs in a savepoint of the run: one that fails (logged) is
 * undone alone, stays due and is taken again by a later run, while the run's other leads commit. A killed
 * process's run never committed, so nothing of it happened. Archived leads lose their deadline silently.
 */
@Injectable()
export class FirstTouchService implements OnModuleInit {
  private readonly logger = new Logger('FirstTouch');

  constructor(
    private readonly jobs: JobRunner,
    private readonly config: AppConfig,
    private readonly assignment: AssignmentService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  onModuleInit(): void {
    this.jobs.register({ name: FIRST_TOUCH_JOB, everyMs: this.config.firstTouch.intervalMs, run: async (m) => (await this.handleDue(m)) >= PER_RUN });
  }

  /**
   * One run, in the job's transaction: handles the due leads (up to PER_RUN), each in its own savepoint; how many
   * it handled (a lead whose breach failed is not counted: a run of only failures does not run again at once).
   */
  async handleDue(m: EntityManager): Promise<number> {
    const due = await sqlRows(m, DUE_FIRST_TOUCH, { limit: PER_RUN });
    let handled = 0;
    for (const { account_id, id } of due) {
      try {
        await withSavepoint(m, async () => {
          const [lead] = await sqlRows(m, LOCK_DUE_LEAD, { accountId: String(account_id), id: Number(id) });
          if (lead) await this.breach(m, lead);
        });
        handled++;
      } catch (error) {
        if (error instanceof TransactionUnusable) throw error;
        const { message, code } = error as Error & { code?: unknown };
        this.logger.warn({ err: { message, code } }, `first-touch breach of lead ${id} (account ${account_id}) failed; a later run takes it again`);
      }
    }
    return handled;
  }

  private async breach(m: EntityManager, lead: DueLeadRow): Promise<void> {
    const accountId = String(lead.account_id);
    const id = Number(lead.id);
    const from = lead.assigned_to;
    if (lead.archived || from === null || lead.first_touch_rotation_id === null) {
      await sqlRows(m, END_FIRST_TOUCH, { accountId, id });
      return;
    }
    const rotationId = Number(lead.first_touch_rotation_id);
    const settings = await this.assignment.firstTouchSettings(m, accountId, rotationId);
    const reassignments = Number(lead.first_touch_reassignments);
    const explanation =
      settings && settings.live && reassignments < settings.maxReassignments
        ? await this.assignment.assignThrough(m, accountId, rotationId, new Set([...lead.first_touch_holders, from]))
        : null;
    const breached = (row: Parameters<typeof toLeadDto>[0], reassigned: boolean): NewEvent => ({
      type: 'lead.first_touch_breached',
      data: { lead: toLeadDto(row), user: from, rotationId, reassignments, reassigned },
    });
    if (!explanation || explanation.user === null) {
      const [row] = await sqlRows(m, END_FIRST_TOUCH, { accountId, id });
      await this.outbox.emit(m, accountId, [breached(row, false)]);
      return;
    }
    const to = explanation.user;
    const assignment = { ...explanation, reason: 'first_touch_sla' as const };
    const [row] = await sqlRows(m, REASSIGN_FIRST_TOUCH, { accountId, id, to, seconds: settings!.seconds });
    await this.audit.record(m, accountId, FIRST_TOUCH_ACTOR, { event: 'lead_reassigned', entityType: 'lead', entityId: id, data: { from, to, assignment } });
    const dto = toLeadDto(row);
    await this.outbox.emit(m, accountId, [breached(row, true), { type: 'lead.assigned', data: { lead: dto, previousUser: from, assignment } }]);
  }
}
