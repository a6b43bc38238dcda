import { plainToInstance, Transform } from 'class-transformer';
import { Help } from './help';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

const toBoolean = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return value; // left as is so IsBoolean names the variable
};
const toInt = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
};
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * The process environment as the service reads it. Every variable is optional; defaults live in AppConfig.
 * One property per variable: its @Help (default and meaning, printed by `node dist/main.js --help`) and its
 * validators.
 */
export class EnvironmentVariables {
  @Help('development', '`production` refuses to start without JWT_SECRET; `test` silences the logs')
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;

  @Help('3000', 'HTTP port')
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT?: number;

  @Help('0.0.0.0', 'interface to listen on')
  @IsOptional() @Transform(emptyToUndefined) @IsString() HOST?: string;

  @Help('unset', 'postgres:// URL of a PostgreSQL 15+ server; unset: the embedded PGlite database in DATA_DIR')
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Help('./.data', 'where the embedded database lives (created if missing; one process at a time)')
  @IsOptional() @Transform(emptyToUndefined) @IsString() DATA_DIR?: string;

  @Help('10', 'connections in the pool (PostgreSQL only)')
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) DATABASE_POOL_SIZE?: number;

  @Help('session', '`transaction`: correct behind PgBouncer in transaction pooling mode (no named prepared statements, no session state); `session`: a direct connection or session pooling')
  @IsOptional() @IsIn(['session', 'transaction']) DATABASE_POOL_MODE?: string;

  @Help('unset', 'comma-separated postgres:// URLs of streaming replicas: GET lists, searches, exports and stats read from one whose replay lag is under READ_MAX_LAG_MS')
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^postgres(ql)?:\/\/[^,\s]+(\s*,\s*postgres(ql)?:\/\/[^,\s]+)*$/, { message: 'DATABASE_READ_URLS must be comma-separated postgres:// or postgresql:// URLs' })
  DATABASE_READ_URLS?: string;

  @Help('2000', 'a replica further behind the primary than this, in ms (0..3600000), is not read from (reads go to the primary)')
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(3600000) READ_MAX_LAG_MS?: number;

  @Help('development secret', 'HS256 secret, 16+ characters; required when NODE_ENV=production')
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(16, { message: 'JWT_SECRET must be at least 16 characters' })
  JWT_SECRET?: string;

  @Help('unset', 'when set, tokens must carry this `iss`')
  @IsOptional() @Transform(emptyToUndefined) @IsString() JWT_ISSUER?: string;

  @Help('unset', 'when set, tokens must carry this `aud`')
  @IsOptional() @Transform(emptyToUndefined) @IsString() JWT_AUDIENCE?: string;

  @Help('true', 'run pending migrations at start-up')
  @IsOptional() @Transform(toBoolean) @IsBoolean() MIGRATIONS_RUN?: boolean;

  @Help('false', 'take the client address from X-Forwarded-For')
  @IsOptional() @Transform(toBoolean) @IsBoolean() TRUST_PROXY?: boolean;

  @Help('info', 'fatal, error, warn, info, debug, trace or silent')
  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL?: string;

  @Help('1200', 'requests per principal per minute; 0 turns limiting off')
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) RATE_LIMIT_PER_MINUTE?: number;

  @Help('60', 'requests per client IP per minute without valid credentials')
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) RATE_LIMIT_ANON_PER_MINUTE?: number;

  @Help('unset', 'redis:// URL: share rate-limit counters between processes')
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @Help('unset (closed)', 'comma-separated origins allowed by CORS')
  @IsOptional() @Transform(emptyToUndefined) @IsString() CORS_ORIGINS?: string;

  @Help('1000', "how long a process may reuse a member's role it read, in ms (0: read it on every request)")
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(60000) MEMBERSHIP_CACHE_MS?: number;

  @Help('3000', "how long a lead waits for a rotation's row lock held by others, in ms (1..60000), before 503 with Retry-After")
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(60000) ROTATION_LOCK_TIMEOUT_MS?: number;

  @Help('30000', 'time a client has to send a whole request, in ms (1000..600000); past it: 408, connection closed')
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) @Max(600000) REQUEST_TIMEOUT_MS?: number;

  @Help('75000', 'a connection idle this long is closed, in ms (1000..3600000)')
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) @Max(3600000) CONNECTION_TIMEOUT_MS?: number;

  @Help('86400', 'the longest lifetime a JWT may claim (exp - iat), in seconds; longer: 401')
  @IsOptional() @Transform(toInt) @IsInt() @Min(60) @Max(31 * 86400) JWT_MAX_LIFETIME_SECONDS?: number;

  @Help('60', "how far in the future a JWT's iat may be, in seconds; further: 401")
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(3600) JWT_CLOCK_SKEW_SECONDS?: number;

  @Help('.env', 'the env file the server and scripts read at start (the real environment wins); `none`: no file')
  @IsOptional() @IsString() LEAD_DESK_ENV_FILE?: string;

  @Help('true', 'record every request in the access log (API.md 12); false turns recording off (e.g. to measure its cost)')
  @IsOptional() @Transform(toBoolean) @IsBoolean() ACCESS_LOG?: boolean;

  @Help('30', 'days of access log kept (1..3650); older daily partitions are dropped')
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3650) ACCESS_LOG_RETENTION_DAYS?: number;

  @Help('unset', 'HMAC key (16+ characters) of the audit seals, kept outside the database; unset: plain SHA-256')
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(16, { message: 'AUDIT_SEAL_KEY must be at least 16 characters' })
  AUDIT_SEAL_KEY?: string;

  @Help('60', 'at most this many seconds after audit entries are appended, they are sealed (1..86400)')
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86400) AUDIT_SEAL_INTERVAL_S?: number;

  @Help('5000', 'how often (ms, 100..30000) a process looks for leads whose first-touch deadline passed (API.md 10); one process at a time handles them')
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(30000) FIRST_TOUCH_INTERVAL_MS?: number;

  @Help('true', 'deliver webhooks from this process (API.md 10); false: events and deliveries still accumulate, other processes deliver them')
  @IsOptional() @Transform(toBoolean) @IsBoolean() WEBHOOK_DELIVERY?: boolean;

  @Help('false', 'accept http:// webhook URLs (https only otherwise)')
  @IsOptional() @Transform(toBoolean) @IsBoolean() WEBHOOK_ALLOW_HTTP?: boolean;

  @Help('false', 'allow webhook destinations on loopback, private, link-local, unique-local, multicast and cloud-metadata addresses')
  @IsOptional() @Transform(toBoolean) @IsBoolean() WEBHOOK_ALLOW_PRIVATE?: boolean;

  @Help('5s,5m,30m,2h,5h,10h,10h', 'pauses before the retries of a failed delivery (each a number and ms, s, m or h; jittered by up to 10%); after the last: failed')
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^\s*\d+(ms|s|m|h)\s*(,\s*\d+(ms|s|m|h)\s*){0,19}$/, { message: 'WEBHOOK_RETRY_SCHEDULE must be 1 to 20 comma-separated durations such as 5s,5m,2h' })
  WEBHOOK_RETRY_SCHEDULE?: string;

  @Help('250', 'how often a delivering process looks for due deliveries, in ms (10..60000)')
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(60000) WEBHOOK_POLL_MS?: number;

  @Help('unset', 'serve GET /metrics (Prometheus) on this port, a listener of its own on HOST; unset: see METRICS_TOKEN')
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) METRICS_PORT?: number;

  @Help('unset', 'without METRICS_PORT: serve GET /metrics on the API port to `Authorization: Bearer <this>` (16+ characters); neither set: /metrics is 404')
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;
}

export class ConfigurationError extends Error {}

/** Validates `env`; throws one error naming every bad variable. */
export function validateEnvironment(env: Record<string, unknown>): EnvironmentVariables {
  const parsed = plainToInstance(EnvironmentVariables, env, { enableImplicitConversion: false });
  const errors = validateSync(parsed, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new ConfigurationError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  if (parsed.NODE_ENV === 'production' && !parsed.JWT_SECRET) {
    throw new ConfigurationError('Invalid configuration:\n  JWT_SECRET: required when NODE_ENV=production');
  }
  return parsed;
}
