import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../accounts/api-keys.service';
import type { AccountContext } from '../common/account-context';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { toPage } from '../common/pagination/page';
import { AccessLogPageDto, AccessLogQueryDto, AccessLogRecordDto, ApiKeyUsageDto, ApiKeyUsageQueryDto } from './dto/access-log.dto';

const CURSOR_SCOPE = 'access-logs';
const DAY_MS = 86_400_000;

interface RecordRow {
  id: string;
  at: Date;
  at_key: string;
  account_id: string | null;
  user_email: string | null;
  api_key_id: number | null;
  method: string;
  route: string | null;
  status: number;
  duration_ms: number;
  ip: string | null;
  user_agent: string | null;
  request_id: string;
}

/** Reads the access log: an account's records, newest first, and an API key's use by day. */
@Injectable()
export class AccessLogService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cursors: CursorCodec,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async list(accountId: string, query: AccessLogQueryDto): Promise<AccessLogPageDto> {
    const where = ['account_id = $1'];
    const params: unknown[] = [accountId];
    const add = (sql: string, ...values: unknown[]) => {
      let text = sql;
      for (const value of values) {
        params.push(value);
        text = text.replace('?', `$${params.length}`);
      }
      where.push(text);
    };
    if (query.from !== undefined) add('at >= ?::timestamptz', new Date(query.from).toISOString());
    if (query.to !== undefined) add('at < ?::timestamptz', new Date(query.to).toISOString());
    if (query.status !== undefined) {
      const hundreds = Number(query.status[0]) * 100;
      if (query.status.endsWith('xx')) add('status >= ? AND status < ?', hundreds, hundreds + 100);
      else add('status = ?', Number(query.status));
    }
    if (query.user !== undefined) add('user_email = ?', query.user.trim().toLowerCase());
    if (query.apiKeyId !== undefined) add('api_key_id = ?', query.apiKeyId);
    if (query.method !== undefined) add('method = ?', query.method.toUpperCase());
    if (query.route !== undefined) add('route = ?', query.route);
    if (query.cursor) {
      const [at, id] = this.cursors.decode(CURSOR_SCOPE, query.cursor, 2);
      add('(at, id) < (?::timestamptz, ?::bigint)', String(at), String(id));
    }
    const limit = query.limit!;
    params.push(limit + 1);
    const rows: RecordRow[] = await this.dataSource.query(
      `SELECT id, at, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_key, account_id, user_email,
              api_key_id, method, route, status, duration_ms, ip, user_agent, request_id
         FROM access_log WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, limit, this.cursors, CURSOR_SCOPE, (r) => [r.at_key, String(r.id)], toRecordDto);
  }

  /** Requests made with one of the account's API keys, per day (404 for a key of another account). */
  async usage(ctx: AccountContext, apiKeyId: number, query: ApiKeyUsageQueryDto): Promise<ApiKeyUsageDto> {
    await this.apiKeys.get(ctx, apiKeyId);
    const to = query.to !== undefined ? new Date(query.to) : new Date();
    const from = query.from !== undefined ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
    if (from.getTime() > to.getTime()) throw new BadRequestException('from must not be after to');
    const rows: { day: string; requests: string; s2: string; s4: string; s5: string }[] = await this.dataSource.query(
      `SELECT to_char((at AT TIME ZONE $4)::date, 'YYYY-MM-DD') AS day, count(*) AS requests,
              count(*) FILTER (WHERE status BETWEEN 200 AND 299) AS s2,
              count(*) FILTER (WHERE status BETWEEN 400 AND 499) AS s4,
              count(*) FILTER (WHERE status >= 500) AS s5
         FROM access_log
        WHERE account_id = $1 AND api_key_id = $2 AND at >= $3::timestamptz AND at < $5::timestamptz
        GROUP BY 1 ORDER BY 1`,
      [ctx.accountId, apiKeyId, from.toISOString(), accountTimeZone(ctx), to.toISOString()],
    );
    return {
      data: rows.map((r) => ({ day: r.day, requests: Number(r.requests), status2xx: Number(r.s2), status4xx: Number(r.s4), status5xx: Number(r.s5) })),
    };
  }
}

/**
 * The time zone an account's days are counted in. API.md section 9 gives accounts a `timeZone` (default UTC);
 * until that column exists every account counts in UTC. Hook: return the account's zone here.
 */
function accountTimeZone(_ctx: AccountContext): string {
  return 'UTC';
}

function toRecordDto(r: RecordRow): AccessLogRecordDto {
  return {
    id: Number(r.id),
    at: r.at,
    accountId: r.account_id === null ? null : String(r.account_id),
    user: r.user_email,
    apiKeyId: r.api_key_id,
    method: r.method,
    route: r.route,
    status: r.status,
    durationMs: r.duration_ms,
    ip: r.ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
  };
}
