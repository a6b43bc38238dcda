import { Injectable } from '@nestjs/common';
import { EnvironmentVariables } from './environment';

/** Only for development: a warning is logged at boot when it is used. */
export const DEVELOPMENT_JWT_SECRET = 'lead-desk-development-secret-do-not-use-in-production';

export interface DatabaseConfig {
  /** PostgreSQL URL; undefined means the embedded PGlite database in `dataDir`. */
  url?: string;
  dataDir: string;
  poolSize: number;
  /** `transaction`: behind PgBouncer in transaction pooling mode (no named prepared statements, no session state) */
  poolMode?: 'session' | 'transaction';
  /** Streaming replicas read from by GET lists, searches, exports and stats (PostgreSQL only) */
  readUrls?: string[];
  /** A replica further behind than this is not read from */
  readMaxLagMs?: number;
  migrationsRun: boolean;
  /** How long this process may reuse a member's role it read (0: read it on every request) */
  membershipCacheMs: number;
}

/** Typed, validated configuration; the only reader of `process.env`. */
@Injectable()
export class AppConfig {
  readonly nodeEnv: string;
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly jwt: {
    secret: string;
    usingDevelopmentSecret: boolean;
    issuer?: string;
    audience?: string;
    /** The longest lifetime (`exp - iat`) a token may claim */
    maxLifetimeSeconds: number;
    /** How far in the future a token's `iat` may be (clocks differ) */
    clockSkewSeconds: number;
  };
  /** Bounds on a client's time: the whole request (headers and body), and a silent connection */
  readonly http: { requestTimeoutMs: number; connectionTimeoutMs: number };
  readonly trustProxy: boolean;
  readonly logLevel: string;
  readonly rateLimit: { perMinute: number; anonPerMinute: number; redisUrl?: string };
  readonly corsOrigins: string[];
  /** `lockTimeoutMs`: how long a lead waits for a busy rotation's row lock before it is answered 503 */
  readonly rotations: { lockTimeoutMs: number };
  /** API.md section 12: every request recorded (ACCESS_LOG=false turns recording off, e.g. to measure its cost). */
  readonly accessLog: { enabled: boolean; retentionDays: number };
  /** API.md section 13: audit seals, HMAC'd with `key` when set (plain SHA-256 otherwise). */
  readonly auditSeal: { key?: string; intervalS: number };
  /** API.md section 10: whether this process delivers, where deliveries may go, the retry pauses and the poll interval. */
  /** API.md section 10: how often the first-touch job looks for due leads (ms). */
  readonly firstTouch: { intervalMs: number };
  readonly webhooks: { delivery: boolean; allowHttp: boolean; allowPrivate: boolean; retryScheduleMs: number[]; pollMs: number };
  /** API.md section 14: GET /metrics on `port` (a listener of its own), else on the API port behind `token`; off when neither */
  readonly metrics: { port?: number; token?: string };

  constructor(env: EnvironmentVariables) {
    this.nodeEnv = env.NODE_ENV ?? 'development';
    this.port = env.PORT ?? 3000;
    this.host = env.HOST ?? '0.0.0.0';
    this.database = {
      url: env.DATABASE_URL,
      dataDir: env.DATA_DIR ?? './.data',
      poolSize: env.DATABASE_POOL_SIZE ?? 10,
      poolMode: (env.DATABASE_POOL_MODE as 'session' | 'transaction' | undefined) ?? 'session',
      readUrls: (env.DATABASE_READ_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean),
      readMaxLagMs: env.READ_MAX_LAG_MS ?? 2000,
      migrationsRun: env.MIGRATIONS_RUN ?? true,
      membershipCacheMs: env.MEMBERSHIP_CACHE_MS ?? 1000,
    };
    this.jwt = {
      secret: env.JWT_SECRET ?? DEVELOPMENT_JWT_SECRET,
      usingDevelopmentSecret: !env.JWT_SECRET,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      maxLifetimeSeconds: env.JWT_MAX_LIFETIME_SECONDS ?? 24 * 3600,
      clockSkewSeconds: env.JWT_CLOCK_SKEW_SECONDS ?? 60,
    };
    this.http = {
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS ?? 30_000,
      connectionTimeoutMs: env.CONNECTION_TIMEOUT_MS ?? 75_000,
    };
    this.trustProxy = env.TRUST_PROXY ?? false;
    this.logLevel = env.LOG_LEVEL ?? (this.nodeEnv === 'test' ? 'silent' : 'info');
    this.rateLimit = {
      perMinute: env.RATE_LIMIT_PER_MINUTE ?? 1200,
      anonPerMinute: env.RATE_LIMIT_ANON_PER_MINUTE ?? 60,
      redisUrl: env.REDIS_URL,
    };
    this.rotations = { lockTimeoutMs: env.ROTATION_LOCK_TIMEOUT_MS ?? 3000 };
    this.accessLog = { enabled: env.ACCESS_LOG ?? true, retentionDays: env.ACCESS_LOG_RETENTION_DAYS ?? 30 };
    this.auditSeal = { key: env.AUDIT_SEAL_KEY, intervalS: env.AUDIT_SEAL_INTERVAL_S ?? 60 };
    this.firstTouch = { intervalMs: env.FIRST_TOUCH_INTERVAL_MS ?? 5000 };
    this.webhooks = {
      delivery: env.WEBHOOK_DELIVERY ?? true,
      allowHttp: env.WEBHOOK_ALLOW_HTTP ?? false,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE ?? false,
      retryScheduleMs: parseDurations(env.WEBHOOK_RETRY_SCHEDULE ?? '5s,5m,30m,2h,5h,10h,10h'),
      pollMs: env.WEBHOOK_POLL_MS ?? 250,
    };
    this.metrics = { port: env.METRICS_PORT, token: env.METRICS_TOKEN };
    this.corsOrigins = (env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  }
}

const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `5s,5m,2h` → milliseconds (the shape is validated with the environment). */
function parseDurations(list: string): number[] {
  return list.split(',').map((item) => {
    const [, n, unit] = /^\s*(\d+)(ms|s|m|h)\s*$/.exec(item)!;
    return Number(n) * DURATION_UNIT_MS[unit];
  });
}
