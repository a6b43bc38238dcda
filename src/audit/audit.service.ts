import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Actor } from './actor';
import { toAuditEntryDto, AuditEntryDto, AuditPageDto } from './dto/audit-entry.dto';
import { AuditQueryDto } from './dto/audit-query.dto';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { toPage } from '../common/pagination/page';
import { ReadReplicas, type ReadPreference } from '../database/read-replicas';
import { sqlRows } from '../database/sql';
import { actorValues, filterValues, HISTORY, LEAD_ASSIGNMENTS, LIST, RECORD, ROTATION_ASSIGNMENT_COUNTS } from './audit.queries';

export type EntityType = 'lead' | 'team' | 'lead_source' | 'rotation' | 'member' | 'api_key' | 'account' | 'webhook';

export interface AuditEvent {
  event: string;
  entityType: EntityType;
  entityId: string | number;
  data?: Record<string, unknown>;
}

const CURSOR_SCOPE = 'audit-logs';

/** The audit log: written inside the caller's transaction, read newest first, never changed. */
@Injectable()
export class AuditService {
  constructor(
    private readonly cursors: CursorCodec,
    private readonly replicas: ReadReplicas,
  ) {}

  /**
   * Records `events` with `manager`, the transaction of the change itself, so the change and
   * its entries commit together or not at all.
   */
  async record(manager: EntityManager, accountId: string, actor: Actor, ...events: AuditEvent[]): Promise<AuditEntryDto[]> {
    if (events.length === 0) return [];
    const entries = events.map((e) => ({ event: e.event, entity_type: e.entityType, entity_id: String(e.entityId), data: e.data ?? {} }));
    const inserted = await sqlRows(manager, RECORD, { accountId, events: JSON.stringify(entries), ...actorValues(actor) });
    return inserted.sort((a, b) => Number(a.id) - Number(b.id)).map(toAuditEntryDto);
  }

  /** The whole history of one record, oldest first. */
  async history(manager: EntityManager, accountId: string, entityType: EntityType, entityId: string | number): Promise<AuditEntryDto[]> {
    const rows = await sqlRows(manager, HISTORY, { accountId, entityType, entityId: String(entityId) });
    return rows.map(toAuditEntryDto);
  }

  /**
   * The entries in which a lead got an assignee (created with one, a PATCH of assignedTo, a reassignment), newest
   * first: `limit` + 1 of them before entry `beforeId`, for a page.
   */
  async leadAssignments(manager: EntityManager, accountId: string, leadId: number, beforeId: string | null, limit: number) {
    return sqlRows(manager, LEAD_ASSIGNMENTS, { accountId, leadId: String(leadId), beforeId, limit: limit + 1 });
  }

  /** Leads a rotation assigned per member in [from, to), from their entries' data.assignment. */
  async rotationAssignmentCounts(manager: EntityManager, accountId: string, rotationId: number, from: string, to: string): Promise<Map<string, number>> {
    const rows = await sqlRows(manager, ROTATION_ASSIGNMENT_COUNTS, { accountId, rotationId: String(rotationId), from, to });
    return new Map(rows.map((r) => [r.user, r.assigned]));
  }

  /** `preference`: an HTTP request's (a replica may answer, API.md 14); without, the primary. */
  async list(accountId: string, query: AuditQueryDto, preference?: ReadPreference): Promise<AuditPageDto> {
    const limit = query.limit!;
    const beforeId = query.cursor ? String(this.cursors.decode(CURSOR_SCOPE, query.cursor, 1)[0]) : null;
    const rows = await this.replicas.read(preference, (db) => sqlRows(db, LIST, { ...filterValues(accountId, query), beforeId, limit: limit + 1 }));
    return toPage(rows, limit, this.cursors, CURSOR_SCOPE, (r) => [String(r.id)], toAuditEntryDto);
  }
}

/** The row type and columns live with the statements (audit.queries.ts); re-exported for existing imports. */
export { AUDIT_COLUMNS, type AuditRow } from './audit.queries';
