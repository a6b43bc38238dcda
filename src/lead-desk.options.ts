import type { FactoryProvider, ModuleMetadata } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { ConfigurationError } from './config/environment';

/** What LeadDeskModule needs from its host. The database is the host's own default TypeORM DataSource. */
export interface LeadDeskOptions {
  /** Lead Desk's JWTs (HS256): the secret (16+ characters) and, when set, the `iss` / `aud` they must carry. */
  jwt: { secret: string; issuer?: string; audience?: string };
  /**
   * Per-minute limits on Lead Desk's routes: per principal (default 1200) and per client IP without valid
   * credentials (default 60); 0 turns one off. `redisUrl` shares the counters between processes.
   */
  rateLimit?: { perMinute?: number; anonPerMinute?: number; redisUrl?: string };
  /**
   * Apply Lead Desk's pending migrations (LEAD_DESK_MIGRATIONS) to the host's DataSource when the module
   * starts, under the same advisory lock as the standalone server. Default false: the host runs them itself.
   */
  migrationsRun?: boolean;
  /**
   * How long (ms) a process may reuse a member's role it read, as the standalone server's MEMBERSHIP_CACHE_MS
   * (default 1000, at most 60000; 0 reads it on every request). Role changes made in this process apply at once.
   */
  membershipCacheMs?: number;
  /**
   * How long (ms) a lead waits for a busy rotation's row lock before the request is answered 503 with
   * Retry-After, as the standalone server's ROTATION_LOCK_TIMEOUT_MS (default 3000, 1 to 60000).
   */
  rotationLockTimeoutMs?: number;
  /** Audit seals (API.md 13): the HMAC key (16+ characters, kept outside the database; unset: plain SHA-256) and the interval in seconds (default 60). */
  audit?: { sealKey?: string; sealIntervalS?: number };
  /** The access log of Lead Desk's routes (API.md 12): on unless `enabled: false`; days kept (default 30). */
  accessLog?: { enabled?: boolean; retentionDays?: number };
  /**
   * Webhooks (API.md 10), as the standalone server's WEBHOOK_* variables: whether this process delivers (default
   * true), http:// URLs and private destinations allowed (default false), the retry pauses in ms (default 5 s,
   * 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) and the poll interval in ms (default 250).
   */
  webhooks?: { delivery?: boolean; allowHttp?: boolean; allowPrivate?: boolean; retryScheduleMs?: number[]; pollMs?: number };
}

export interface LeadDeskAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: FactoryProvider['inject'];
  useFactory: (...args: any[]) => LeadDeskOptions | Promise<LeadDeskOptions>;
}

/**
 * The AppConfig Lead Desk's providers read, from the host's options alone: never from `process.env`, which is
 * the host's (its JWT_SECRET or DATABASE_URL are not Lead Desk's). Bad options throw, naming each one.
 */
export function leadDeskConfig(options: LeadDeskOptions): AppConfig {
  const problems: string[] = [];
  const { jwt, rateLimit = {} } = options ?? ({} as LeadDeskOptions);
  if (typeof jwt?.secret !== 'string' || jwt.secret.length < 16) problems.push('jwt.secret: required, a string of at least 16 characters');
  for (const key of ['issuer', 'audience'] as const) {
    const value = jwt?.[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) problems.push(`jwt.${key}: a non-empty string when set`);
  }
  for (const key of ['perMinute', 'anonPerMinute'] as const) {
    const value = rateLimit[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) problems.push(`rateLimit.${key}: an integer >= 0 when set`);
  }
  if (rateLimit.redisUrl !== undefined && !/^rediss?:\/\//.test(rateLimit.redisUrl)) problems.push('rateLimit.redisUrl: a redis:// or rediss:// URL when set');
  if (options?.migrationsRun !== undefined && typeof options.migrationsRun !== 'boolean') problems.push('migrationsRun: a boolean when set');
  const cacheMs = options?.membershipCacheMs;
  if (cacheMs !== undefined && !(Number.isInteger(cacheMs) && cacheMs >= 0 && cacheMs <= 60_000)) problems.push('membershipCacheMs: an integer from 0 to 60000 when set');
  const lockMs = options?.rotationLockTimeoutMs;
  if (lockMs !== undefined && !(Number.isInteger(lockMs) && lockMs >= 1 && lockMs <= 60_000)) problems.push('rotationLockTimeoutMs: an integer from 1 to 60000 when set');
  const { audit = {}, accessLog = {} } = options ?? ({} as LeadDeskOptions);
  if (audit.sealKey !== undefined && (typeof audit.sealKey !== 'string' || audit.sealKey.length < 16)) problems.push('audit.sealKey: a string of at least 16 characters when set');
  if (audit.sealIntervalS !== undefined && !(Number.isInteger(audit.sealIntervalS) && audit.sealIntervalS >= 1 && audit.sealIntervalS <= 86400)) problems.push('audit.sealIntervalS: an integer from 1 to 86400 when set');
  if (accessLog.enabled !== undefined && typeof accessLog.enabled !== 'boolean') problems.push('accessLog.enabled: a boolean when set');
  if (accessLog.retentionDays !== undefined && !(Number.isInteger(accessLog.retentionDays) && accessLog.retentionDays >= 1 && accessLog.retentionDays <= 3650)) problems.push('accessLog.retentionDays: an integer from 1 to 3650 when set');
  const { webhooks = {} } = options ?? ({} as LeadDeskOptions);
  for (const key of ['delivery', 'allowHttp', 'allowPrivate'] as const) {
    if (webhooks[key] !== undefined && typeof webhooks[key] !== 'boolean') problems.push(`webhooks.${key}: a boolean when set`);
  }
  const schedule = webhooks.retryScheduleMs;
  if (schedule !== undefined && !(Array.isArray(schedule) && schedule.length >= 1 && schedule.length <= 20 && schedule.every((ms) => Number.isInteger(ms) && ms >= 0))) {
    problems.push('webhooks.retryScheduleMs: 1 to 20 integers >= 0 when set');
  }
  if (webhooks.pollMs !== undefined && !(Number.isInteger(webhooks.pollMs) && webhooks.pollMs >= 10 && webhooks.pollMs <= 60_000)) problems.push('webhooks.pollMs: an integer from 10 to 60000 when set');
  if (problems.length > 0) throw new ConfigurationError(`Invalid LeadDeskModule options:\n  ${problems.join('\n  ')}`);
  return new AppConfig({
    JWT_SECRET: jwt.secret,
    JWT_ISSUER: jwt.issuer,
    JWT_AUDIENCE: jwt.audience,
    RATE_LIMIT_PER_MINUTE: rateLimit.perMinute,
    RATE_LIMIT_ANON_PER_MINUTE: rateLimit.anonPerMinute,
    REDIS_URL: rateLimit.redisUrl,
    MIGRATIONS_RUN: options.migrationsRun ?? false,
    MEMBERSHIP_CACHE_MS: cacheMs,
    ROTATION_LOCK_TIMEOUT_MS: lockMs,
    AUDIT_SEAL_KEY: audit.sealKey,
    AUDIT_SEAL_INTERVAL_S: audit.sealIntervalS,
    ACCESS_LOG: accessLog.enabled,
    ACCESS_LOG_RETENTION_DAYS: accessLog.retentionDays,
    WEBHOOK_DELIVERY: webhooks.delivery,
    WEBHOOK_ALLOW_HTTP: webhooks.allowHttp,
    WEBHOOK_ALLOW_PRIVATE: webhooks.allowPrivate,
    WEBHOOK_RETRY_SCHEDULE: schedule?.map((ms) => `${ms}ms`).join(','),
    WEBHOOK_POLL_MS: webhooks.pollMs,
  });
}
