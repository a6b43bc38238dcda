import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { toPage } from '../common/pagination/page';
import { ListLeadsQueryDto } from './dto/list-leads-query.dto';
import { LeadPageDto } from './dto/lead-page.dto';
import { LeadDto, LeadRow, toLeadDto } from './dto/lead.dto';
import { sqlRows } from '../database/sql';
import { MAX_ID } from './dto/lead-validation';
import {
  CURSOR_CREATED_AT_PATTERN,
  LEAD_BY_ID,
  leadListStatement,
  leadListSteps,
  type LeadListFilters,
  type LeadListSqlRow,
  type Statement,
  TRIGRAM_STEP_SETTINGS,
  walkWindow,
} from './leads.queries';
import { LeadErrors, LeadListErrors } from './leads.errors';
import type { LeadAssignmentDto, LeadAssignmentPageDto } from './dto/lead-assignment.dto';
import type { PageQueryDto } from '../common/pagination/page-query.dto';
import { numericId } from '../database/numeric-id';
import { ReadReplicas } from '../database/read-replicas';
import { runTransaction } from '../database/transaction';

const CURSOR_SCOPE = 'leads';

type ListRow = LeadRow & LeadListSqlRow;

/** GET /leads and GET /leads/{id}. */
@Injectable()
export class LeadReadsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
    private readonly replicas: ReadReplicas,
  ) {}

  /** The lead with its whole audit log, oldest first, both read in one snapshot. */
  async get(ctx: AccountContext, id: number): Promise<LeadDto> {
    return runTransaction(this.dataSource, 'REPEATABLE READ', async (m) => {
      const [row] = await sqlRows(m, LEAD_BY_ID, { accountId: ctx.accountId, id });
      if (!row) throw LeadErrors.notFound();
      return this.withHistory(m, ctx.accountId, row);
    });
  }

  /**
   * GET /leads/{id}/assignments: every time the lead got an assignee, newest first, read from its audit entries
   * (nothing is written for it on the hot path): created with one (a rotation's choice, or named), a PATCH of
   * assignedTo (manual), a reassignment.
   */
  async assignments(ctx: AccountContext, id: number, query: PageQueryDto): Promise<LeadAssignmentPageDto> {
    const limit = query.limit!;
    const beforeId = query.cursor ? String(this.cursors.decode('lead-assignments', query.cursor, 1)[0]) : null;
    return runTransaction(this.dataSource, 'REPEATABLE READ', async (m) => {
      const [row] = await sqlRows(m, LEAD_BY_ID, { accountId: ctx.accountId, id });
      if (!row) throw LeadErrors.notFound();
      const entries = await this.audit.leadAssignments(m, ctx.accountId, id, beforeId, limit);
      return toPage(entries, limit, this.cursors, 'lead-assignments', (e) => [String(e.id)], toAssignment);
    });
  }

  /** A lead row as the API answers it: with its whole audit log, read with `m` (the caller's transaction). */
  async withHistory(m: EntityManager, accountId: string, row: LeadRow): Promise<LeadDto> {
    return toLeadDto(row, await this.audit.history(m, accountId, 'lead', row.id));
  }

  /** One page of leads, newest first; the steps and their SQL are explained in leads.queries.ts. */
  async list(ctx: AccountContext, query: ListLeadsQueryDto): Promise<LeadPageDto> {
    const limit = query.limit!;
    const filters = this.filters(ctx.accountId, query);
    // A replica within READ_MAX_LAG_MS when there is one and the request allows it, else the primary.
    const rows = await this.replicas.read(ctx, (db) => this.listRows(db, filters, limit));
    return toPage(rows, limit, this.cursors, CURSOR_SCOPE, (r) => [r.cursor_created_at, numericId(r.id)], (r) => toLeadDto(r));
  }

  private async listRows(db: DataSource, filters: LeadListFilters, limit: number): Promise<ListRow[]> {
    const steps = leadListSteps(filters);
    let rows: ListRow[];
    if (steps[0] === 'keyset') {
      rows = await this.run(db.manager, leadListStatement(filters, 'keyset', limit));
    } else {
      const walked = await this.run(db.manager, leadListStatement(filters, 'walk', limit));
      rows = walked.filter((r) => r.hit);
      const window = walkWindow(filters, limit);
      const windowFilled = walked.some((r) => Number(r.pos) === window);
      if (rows.length <= limit && windowFilled && steps.includes('trigram')) {
        rows = await runTransaction(db, async (m) => {
          await m.query(TRIGRAM_STEP_SETTINGS);
          return this.run(m, leadListStatement(filters, 'trigram', limit));
        });
      }
    }
    return rows;
  }

  private run(m: EntityManager, statement: Statement): Promise<ListRow[]> {
    return m.query(statement.text, statement.params);
  }

  private filters(accountId: string, query: ListLeadsQueryDto): LeadListFilters {
    const createdFrom = query.createdFrom === undefined ? undefined : asInstant(query.createdFrom);
    const createdTo = query.createdTo === undefined ? undefined : asInstant(query.createdTo);
    if (createdFrom !== undefined && createdTo !== undefined && Date.parse(createdFrom) > Date.parse(createdTo)) {
      throw LeadListErrors.createdRangeInverted();
    }
    return {
      accountId,
      archived: query.archived === 'all' ? null : query.archived === 'true',
      teamId: query.teamId,
      leadSourceId: query.leadSourceId,
      assignedTo: query.assignedTo,
      processStage: query.processStage,
      createdBy: query.createdBy,
      createdFrom,
      createdTo,
      q: query.q,
      after: query.cursor === undefined ? undefined : this.decodeCursor(query.cursor),
    };
  }

  private decodeCursor(cursor: string): { createdAt: string; id: number } {
    const [createdAt, id] = this.cursors.decode(CURSOR_SCOPE, cursor, 2);
    // Signed by this server, so well formed; checked anyway rather than handed to SQL on trust.
    if (typeof createdAt !== 'string' || !CURSOR_CREATED_AT_PATTERN.test(createdAt) || !Number.isInteger(id) || (id as number) < 1 || (id as number) > MAX_ID) {
      throw LeadListErrors.invalidCursor();
    }
    return { createdAt, id: id as number };
  }
}

/** A filter instant as PostgreSQL reads it exactly: a date alone is midnight UTC (never the session's zone). */
function asInstant(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
}

interface Explained {
  rotationId?: number;
  user?: string | null;
  reason?: LeadAssignmentDto['reason'];
  candidates?: LeadAssignmentDto['candidates'];
}

/** One assignment, from the entry that recorded it. */
function toAssignment(entry: { event: string; data: Record<string, unknown>; created_at: Date }): LeadAssignmentDto {
  const at = new Date(entry.created_at).toISOString();
  const data = entry.data;
  const explained = (data.assignment ?? null) as Explained | null;
  const byRotation = (user: string, previousUser: string | null, fallback: LeadAssignmentDto['reason']): LeadAssignmentDto =>
    explained?.rotationId && explained.user === user && explained.candidates
      ? { at, user, previousUser, reason: explained.reason ?? 'rotation', rotationId: explained.rotationId, candidates: explained.candidates }
      : { at, user, previousUser, reason: explained?.reason && explained.reason !== 'rotation' && explained.reason !== 'default_rotation' ? explained.reason : fallback, rotationId: null };
  if (entry.event === 'lead_created') return byRotation(data.assignedTo as string, null, 'named');
  if (entry.event === 'lead_reassigned') return byRotation(data.to as string, (data.from as string | null) ?? null, 'first_touch_sla');
  const change = (data.changes as { assignedTo: { from: string | null; to: string } }).assignedTo;
  return { at, user: change.to, previousUser: change.from, reason: 'manual', rotationId: null };
}
