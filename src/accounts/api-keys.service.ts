import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import type { AccountContext } from '../common/account-context';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { toPage } from '../common/pagination/page';
import { preparedRows } from '../database/sql';
import { AccountErrors } from './accounts.errors';
import { ApiKeyDto, ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { roleRank, type Role } from './roles';

export const API_KEY_PREFIX = 'ldk_';
/** `ldk_` + 12 hex characters: the public part, unique, used to find the key. */
const LOOKUP_LENGTH = API_KEY_PREFIX.length + 12;
const KEY_FORMAT = /^ldk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;

interface ApiKeyRow {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, role, prefix, created_by, created_at, revoked_at';
const toDto = (r: ApiKeyRow): ApiKeyDto => ({
  id: r.id,
  name: r.name,
  role: r.role,
  prefix: r.prefix,
  createdBy: r.created_by,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

@Injectable()
export class ApiKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
  ) {}

  /** Issues a key; the secret is returned this once and only its SHA-256 is stored. */
  async create(ctx: AccountContext, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    if (roleRank(dto.role) > roleRank(ctx.role)) throw AccountErrors.apiKeyRoleTooHigh();
    const prefix = `${API_KEY_PREFIX}${randomBytes(6).toString('hex')}`;
    const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
    return this.dataSource.transaction(async (m) => {
      const [row]: ApiKeyRow[] = await m.query(
        `INSERT INTO api_keys (account_id, name, role, prefix, key_hash, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [ctx.accountId, dto.name, dto.role, prefix, hashApiKey(key), ctx.user],
      );
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'api_key_created',
        entityType: 'api_key',
        entityId: row.id,
        data: { name: row.name, role: row.role, prefix },
      });
      return { ...toDto(row), key };
    });
  }

  /** Newest first, without secrets; revoked keys are listed with `revokedAt`. */
  async list(ctx: AccountContext, query: PageQueryDto): Promise<ApiKeyPageDto> {
    const limit = query.limit!;
    const before = query.cursor ? Number(this.cursors.decode('api-keys', query.cursor, 1)[0]) : null;
    const rows: ApiKeyRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM api_keys WHERE account_id = $1 AND ($2::int IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
      [ctx.accountId, before, limit + 1],
    );
    return toPage(rows, limit, this.cursors, 'api-keys', (r) => [r.id], toDto);
  }

  /** 404 unless the account has a key with this id (revoked or not). */
  async get(ctx: AccountContext, id: number): Promise<void> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM api_keys WHERE account_id = $1 AND id = $2', [ctx.accountId, id]);
    if (rows.length === 0) throw AccountErrors.apiKeyNotFound();
  }

  /** Revokes the key; revoking a revoked key again changes nothing. */
  async revoke(ctx: AccountContext, id: number): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const [row]: { revoked: boolean }[] = await m.query(
        'SELECT revoked_at IS NOT NULL AS revoked FROM api_keys WHERE account_id = $1 AND id = $2 FOR UPDATE',
        [ctx.accountId, id],
      );
      if (!row) throw AccountErrors.apiKeyNotFound();
      if (row.revoked) return;
      await m.query('UPDATE api_keys SET revoked_at = now() WHERE account_id = $1 AND id = $2', [ctx.accountId, id]);
      await this.audit.record(m, ctx.accountId, ctx, { event: 'api_key_revoked', entityType: 'api_key', entityId: id });
    });
  }

  /** The principal of a live key, or null (unknown, malformed or revoked). */
  async authenticate(key: string): Promise<Principal | null> {
    if (!KEY_FORMAT.test(key)) return null;
    const rows = await preparedRows<{ id: number; account_id: string; role: Role; key_hash: string; created_by: string }>(
      this.dataSource,
      'SELECT id, account_id, role, key_hash, created_by FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL',
      [key.slice(0, LOOKUP_LENGTH)],
    );
    const row = rows[0];
    if (!row) return null;
    const expected = Buffer.from(row.key_hash, 'hex');
    if (!timingSafeEqual(expected, Buffer.from(hashApiKey(key), 'hex'))) return null;
    return { kind: 'api-key', email: row.created_by, apiKeyId: row.id, accountId: String(row.account_id), role: row.role };
  }
}
