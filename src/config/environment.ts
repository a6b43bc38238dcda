import { plainToInstance, Transform } from 'class-transformer';
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

/** The process environment as the service reads it. Every variable is optional; defaults live in AppConfig. */
export class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsString() HOST?: string;
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() DATA_DIR?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) DATABASE_POOL_SIZE?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(16, { message: 'JWT_SECRET must be at least 16 characters' })
  JWT_SECRET?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() JWT_ISSUER?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() JWT_AUDIENCE?: string;
  @IsOptional() @Transform(toBoolean) @IsBoolean() MIGRATIONS_RUN?: boolean;
  @IsOptional() @Transform(toBoolean) @IsBoolean() TRUST_PROXY?: boolean;
  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) RATE_LIMIT_PER_MINUTE?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) RATE_LIMIT_ANON_PER_MINUTE?: number;
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() CORS_ORIGINS?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(60000) MEMBERSHIP_CACHE_MS?: number;
  @IsOptional() @Transform(toBoolean) @IsBoolean() ACCESS_LOG?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3650) ACCESS_LOG_RETENTION_DAYS?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(16, { message: 'AUDIT_SEAL_KEY must be at least 16 characters' })
  AUDIT_SEAL_KEY?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86400) AUDIT_SEAL_INTERVAL_S?: number;
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
