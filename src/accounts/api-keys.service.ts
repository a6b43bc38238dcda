import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource, LessThan, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import type { AccountContext } from '../common/account-context';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { toPage } from '../common/pagination/page';
import { preparedRows } from '../database/sql';
import { runTransaction } from '../database/transaction';
import { AccountErrors } from './accounts.errors';
import { LIVE_API_KEY_BY_PREFIX } from './accounts.queries';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeyDto, ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { roleRank } from './roles';

export const API_KEY_PREFIX = 'ldk_';
/** `ldk_` + 12 hex characters: the public part, unique, used to find the key. */
const LOOKUP_LENGTH = API_KEY_PREFIX.length + 12;
const KEY_FORMAT = /^ldk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;

const toDto = (apiKey: ApiKeyEntity): ApiKeyDto => ({
  id: apiKey.id,
  name: apiKey.name,
  role: apiKey.role,
  prefix: apiKey.prefix,
  createdBy: apiKey.createdBy,
  createdAt: apiKey.createdAt,
  revokedAt: apiKey.revokedAt,
});

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

@Injectable()
export class ApiKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(ApiKeyEntity) private readonly apiKeys: Repository<ApiKeyEntity>,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
  ) {}

  /** Issues a key; the secret is returned this once and only its SHA-256 is stored. */
  async create(ctx: AccountContext, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    if (roleRank(dto.role) > roleRank(ctx.role)) throw AccountErrors.apiKeyRoleTooHigh();
    const prefix = `${API_KEY_PREFIX}${randomBytes(6).toString('hex')}`;
    const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
    return runTransaction(this.dataSource, async (m) => {
      const apiKey = m.create(ApiKeyEntity, {
        accountId: ctx.accountId,
        name: dto.name,
        role: dto.role,
        prefix,
        keyHash: hashApiKey(key),
        createdBy: ctx.user,
        revokedAt: null,
      });
      await m.insert(ApiKeyEntity, apiKey);
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'api_key_created',
        entityType: 'api_key',
        entityId: apiKey.id,
        data: { name: apiKey.name, role: apiKey.role, prefix },
      });
      return { ...toDto(apiKey), key };
    });
  }

  /** Newest first, without secrets; revoked keys are listed with `revokedAt`. */
  async list(ctx: AccountContext, query: PageQueryDto): Promise<ApiKeyPageDto> {
    const limit = query.limit!;
    const before = query.cursor ? Number(this.cursors.decode('api-keys', query.cursor, 1)[0]) : null;
    const page = await this.apiKeys.find({
      where: { accountId: ctx.accountId, ...(before === null ? {} : { id: LessThan(before) }) },
      order: { id: 'DESC' },
      take: limit + 1,
    });
    return toPage(page, limit, this.cursors, 'api-keys', (apiKey) => [apiKey.id], toDto);
  }

  /** 404 unless the account has a key with this id (revoked or not). */
  async get(ctx: AccountContext, id: number): Promise<void> {
    const found = await this.dataSource.getRepository(ApiKeyEntity).existsBy({ accountId: ctx.accountId, id });
    if (!found) throw AccountErrors.apiKeyNotFound();
  }

  /** Revokes the key; revoking a revoked key again changes nothing. */
  async revoke(ctx: AccountContext, id: number): Promise<void> {
    await runTransaction(this.dataSource, async (m) => {
      const apiKey = await m.findOne(ApiKeyEntity, { select: { id: true, revokedAt: true }, where: { accountId: ctx.accountId, id }, lock: { mode: 'pessimistic_write' } });
      if (!apiKey) throw AccountErrors.apiKeyNotFound();
      if (apiKey.revokedAt !== null) return;
      await m.update(ApiKeyEntity, { accountId: ctx.accountId, id }, { revokedAt: () => 'now()' });
      await this.audit.record(m, ctx.accountId, ctx, { event: 'api_key_revoked', entityType: 'api_key', entityId: id });
    });
  }

  /** The principal of a live key, or null (unknown, malformed or revoked). */
  async authenticate(key: string): Promise<Principal | null> {
    if (!KEY_FORMAT.test(key)) return null;
    const [apiKey] = await preparedRows(this.dataSource, LIVE_API_KEY_BY_PREFIX, { prefix: key.slice(0, LOOKUP_LENGTH) });
    if (!apiKey) return null;
    const expected = Buffer.from(apiKey.keyHash, 'hex');
    if (!timingSafeEqual(expected, Buffer.from(hashApiKey(key), 'hex'))) return null;
    return { kind: 'api-key', email: apiKey.createdBy, apiKeyId: apiKey.id, accountId: String(apiKey.accountId), role: apiKey.role };
  }
}
