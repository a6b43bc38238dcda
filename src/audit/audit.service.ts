import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from './actor';
import { toAuditEntryDto, AuditEntryDto, AuditPageDto } from './dto/audit-entry.dto';
import { AuditQueryDto } from './dto/audit-query.dto';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { toPage } from '../common/pagination/page';

export type EntityType = 'lead' | 'team' | 'lead_source' | 'rotation' | 'member' | 'api_key' | 'account';

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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cursors: CursorCodec,
  ) {}

  /**
   * Records `events` with `manager`, the transaction of the change itself, so the change and
   * its entries commit together or not at all.
   */
  async record(manager: EntityManager, accountId: string, actor: Actor, ...events: AuditEvent[]): Promise<AuditEntryDto[]> {
    if (events.length === 0) return [];
    const params: unknown[] = [];
    const rows = events.map((e) => {
      const base = params.length;
      params.push(
        accountId,
        e.event,
        e.entityType,
        String(e.entityId),
        actor.user,
        actor.apiKeyId,
        JSON.stringify(e.data ?? {}),
        actor.request?.method ?? null,
        actor.request?.path ?? null,
        actor.request ? JSON.stringify(actor.request.headers) : null,
        actor.request?.ip ?? null,
        actor.request?.requestId ?? null,
      );
      return `(${Array.from({ length: 12 }, (_, i) => `$${base + i + 1}`).join(', ')})`;
    });
    const inserted: AuditRow[] = await manager.query(
      `INSERT INTO audit_log (account_id, event, entity_type, entity_id, user_email, api_key_id, data,
                              request_method, request_path, request_headers, request_ip, request_id)
       VALUES ${rows.join(', ')}
       RETURNING ${AUDIT_COLUMNS}`,
      params,
    );
    return inserted.map(toAuditEntryDto);
  }

  /** The whole history of one record, oldest first. */
  async history(manager: EntityManager, accountId: string, entityType: EntityType, entityId: string | number): Promise<AuditEntryDto[]> {
    const rows: AuditRow[] = await manager.query(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log
        WHERE account_id = $1 AND entity_type = $2 AND entity_id = $3 ORDER BY id`,
      [accountId, entityType, String(entityId)],
    );
    return rows.map(toAuditEntryDto);
  }

  async list(accountId: string, query: AuditQueryDto): Promise<AuditPageDto> {
    const where = ['account_id = $1'];
    const params: unknown[] = [accountId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.leadId !== undefined) {
      add('entity_type = ?', 'lead');
      add('entity_id = ?', String(query.leadId));
    }
    if (query.entityType !== undefined) add('entity_type = ?', query.entityType);
    if (query.entityId !== undefined) add('entity_id = ?', query.entityId);
    if (query.event !== undefined) add('event = ?', query.event);
    if (query.user !== undefined) add('user_email = ?', query.user.toLowerCase());
    // Dates are handed over as UTC instants, never left to the session's time zone.
    if (query.from !== undefined) add('created_at >= ?', new Date(query.from).toISOString());
    if (query.to !== undefined) add('created_at < ?', new Date(query.to).toISOString());
    if (query.cursor) {
      const [lastId] = this.cursors.decode(CURSOR_SCOPE, query.cursor, 1);
      add('id < ?', lastId);
    }
    const limit = query.limit!;
    params.push(limit + 1);
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, limit, this.cursors, CURSOR_SCOPE, (r) => [String(r.id)], toAuditEntryDto);
  }
}

export const AUDIT_COLUMNS = `id, account_id, event, entity_type, entity_id, user_email, api_key_id, data, created_at,
  request_method, request_path, request_headers, request_ip, request_id`;

export interface AuditRow {
  id: string;
  account_id: string;
  event: string;
  entity_type: string;
  entity_id: string;
  user_email: string;
  api_key_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  request_method: string | null;
  request_path: string | null;
  request_headers: Record<string, string> | null;
  request_ip: string | null;
  request_id: string | null;
}

