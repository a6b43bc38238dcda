import { BadRequestException, Injectable } from '@nestjs/common';
import { ApiKeysService } from '../accounts/api-keys.service';
import type { AccountContext } from '../common/account-context';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { toPage } from '../common/pagination/page';
import { ReadReplicas, type ReadPreference } from '../database/read-replicas';
import { sqlRows } from '../database/sql';
import { LIST, USAGE, type RecordRow } from './access-log.queries';
import { AccessLogPageDto, AccessLogQueryDto, AccessLogRecordDto, ApiKeyUsageDto, ApiKeyUsageQueryDto } from './dto/access-log.dto';

const CURSOR_SCOPE = 'access-logs';
const DAY_MS = 86_400_000;

/** Reads the access log: an account's records, newest first, and an API key's use by day. */
@Injectable()
export class AccessLogService {
  constructor(
    private readonly cursors: CursorCodec,
    private readonly apiKeys: ApiKeysService,
    private readonly replicas: ReadReplicas,
  ) {}

  /** `preference`: an HTTP request's (a replica may answer, API.md 14); without, the primary. */
  async list(accountId: string, query: AccessLogQueryDto, preference?: ReadPreference): Promise<AccessLogPageDto> {
    const [beforeAt, beforeId] = query.cursor ? this.cursors.decode(CURSOR_SCOPE, query.cursor, 2).map(String) : [null, null];
    const limit = query.limit!;
    const rows = await this.replicas.read(preference, (db) => sqlRows(db, LIST, {
      accountId,
      // Dates are handed over as UTC instants, never left to the session's time zone.
      from: query.from === undefined ? null : new Date(query.from).toISOString(),
      to: query.to === undefined ? null : new Date(query.to).toISOString(),
      ...statusRange(query.status),
      user: query.user === undefined ? null : query.user.trim().toLowerCase(),
      apiKeyId: query.apiKeyId ?? null,
      method: query.method === undefined ? null : query.method.toUpperCase(),
      route: query.route ?? null,
      beforeAt,
      beforeId,
      limit: limit + 1,
    }));
    return toPage(rows, limit, this.cursors, CURSOR_SCOPE, (r) => [r.at_key, String(r.id)], toRecordDto);
  }

  /** Requests made with one of the account's API keys, per day (404 for a key of another account). */
  async usage(ctx: AccountContext, apiKeyId: number, query: ApiKeyUsageQueryDto): Promise<ApiKeyUsageDto> {
    await this.apiKeys.get(ctx, apiKeyId);
    const to = query.to !== undefined ? new Date(query.to) : new Date();
    const from = query.from !== undefined ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
    if (from.getTime() > to.getTime()) throw new BadRequestException('from must not be after to');
    const rows = await this.replicas.read(ctx, (db) => sqlRows(db, USAGE, {
      accountId: ctx.accountId,
      apiKeyId,
      from: from.toISOString(),
      to: to.toISOString(),
    }));
    return {
      data: rows.map((r) => ({ day: r.day, requests: Number(r.requests), status2xx: Number(r.s2), status4xx: Number(r.s4), status5xx: Number(r.s5) })),
    };
  }
}

/** A status filter as a range: `4xx` is [400, 500), `404` is [404, 405). */
function statusRange(status: string | undefined): { statusFrom: number | null; statusBelow: number | null } {
  if (status === undefined) return { statusFrom: null, statusBelow: null };
  if (status.endsWith('xx')) {
    const hundreds = Number(status[0]) * 100;
    return { statusFrom: hundreds, statusBelow: hundreds + 100 };
  }
  return { statusFrom: Number(status), statusBelow: Number(status) + 1 };
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
