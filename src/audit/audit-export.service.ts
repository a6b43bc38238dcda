import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { AUDIT_COLUMNS, type AuditRow } from './audit.service';
import { toAuditEntryDto } from './dto/audit-entry.dto';
import type { AuditExportQueryDto } from './dto/audit-export.dto';

/** Entries fetched per query: one batch is in memory at a time. */
const BATCH = 1000;

const CSV_COLUMNS = [
  'id', 'created', 'event', 'entityType', 'entityId', 'user', 'apiKey', 'account_id', 'requestMethod', 'requestPath',
  'requestIpAddress', 'requestId', 'requestHeaders', 'data',
] as const;

/**
 * GET /audit-logs/export: every matching entry, oldest first (id order), as NDJSON or CSV. A Readable that
 * fetches the next keyset batch (`id > last`) only when the client has taken the previous one (Node's
 * back-pressure: `_read` is called again once the consumer drained the buffer), so memory stays constant
 * whatever the number of entries. Each batch is its own short query: no transaction held for the download.
 */
@Injectable()
export class AuditExportService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  stream(accountId: string, query: AuditExportQueryDto): Readable {
    const { where, params } = auditFilter(accountId, query);
    const format = query.format ?? 'ndjson';
    const dataSource = this.dataSource;
    let after = '0';
    let header = format === 'csv';
    let fetching = false;
    return new Readable({
      highWaterMark: 256 * 1024,
      read() {
        if (fetching) return;
        fetching = true;
        dataSource
          .query(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE ${where} AND id > $${params.length + 1} ORDER BY id LIMIT ${BATCH}`, [...params, after])
          .then(
            (rows: AuditRow[]) => {
              fetching = false;
              let chunk = '';
              if (header) {
                chunk += `${CSV_COLUMNS.join(',')}\r\n`;
                header = false;
              }
              for (const row of rows) chunk += format === 'csv' ? csvLine(row) : `${JSON.stringify(toAuditEntryDto(row))}\n`;
              if (rows.length > 0) after = String(rows[rows.length - 1].id);
              if (chunk) this.push(chunk);
              if (rows.length < BATCH) this.push(null);
            },
            (error: unknown) => this.destroy(error as Error),
          );
      },
    });
  }
}

/** The WHERE clause of GET /audit-logs's filters (API.md section 8), for the export. */
function auditFilter(accountId: string, query: AuditExportQueryDto): { where: string; params: unknown[] } {
  const where = ['account_id = $1'];
  const params: unknown[] = [accountId];
  const add = (sql: string, value: unknown) => where.push(sql.replace('?', `$${params.push(value)}`));
  if (query.leadId !== undefined) {
    add('entity_type = ?', 'lead');
    add('entity_id = ?', String(query.leadId));
  }
  if (query.entityType !== undefined) add('entity_type = ?', query.entityType);
  if (query.entityId !== undefined) add('entity_id = ?', query.entityId);
  if (query.event !== undefined) add('event = ?', query.event);
  if (query.user !== undefined) add('user_email = ?', query.user.toLowerCase());
  if (query.from !== undefined) add('created_at >= ?', new Date(query.from).toISOString());
  if (query.to !== undefined) add('created_at < ?', new Date(query.to).toISOString());
  return { where: where.join(' AND '), params };
}

function csvLine(row: AuditRow): string {
  const e = toAuditEntryDto(row) as unknown as Record<string, unknown>;
  return `${CSV_COLUMNS.map((c) => csvField(e[c])).join(',')}\r\n`;
}

/** RFC 4180: quoted when it holds a comma, quote or line break; objects as JSON; null as an empty field. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
