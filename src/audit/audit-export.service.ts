import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { ReadReplicas, type ReadPreference } from '../database/read-replicas';
import { sqlRows } from '../database/sql';
import { EXPORT_BATCH, filterValues, type AuditRow } from './audit.queries';
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
  constructor(private readonly replicas: ReadReplicas) {}

  /** `preference`: an HTTP request's (each batch may be read from a replica, API.md 14); without, the primary. */
  stream(accountId: string, query: AuditExportQueryDto, preference?: ReadPreference): Readable {
    const filter = filterValues(accountId, query);
    const format = query.format ?? 'ndjson';
    const replicas = this.replicas;
    let after = '0';
    let header = format === 'csv';
    let fetching = false;
    return new Readable({
      highWaterMark: 256 * 1024,
      read() {
        if (fetching) return;
        fetching = true;
        replicas.read(preference, (db) => sqlRows(db, EXPORT_BATCH, { ...filter, afterId: after, limit: BATCH })).then(
          (rows) => {
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
