import { sign } from 'jsonwebtoken';
import type { AppConfig } from '../config/app-config';

/** How Lead Desk's JWTs are signed and checked (AppConfig's `jwt`, or LeadDeskOptions' `jwt`). */
export interface JwtSettings {
  secret: string;
  issuer?: string;
  audience?: string;
}

/** A JWT Lead Desk accepts for the user `email`: HS256 with `sub` and `email`, expiring after `expiresInSeconds`. */
export function signLeadDeskToken(jwt: JwtSettings, email: string, expiresInSeconds = 12 * 3600): string {
  return sign({ email }, jwt.secret, {
    algorithm: 'HS256',
    subject: email,
    expiresIn: expiresInSeconds,
    ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
    ...(jwt.audience ? { audience: jwt.audience } : {}),
  });
}

/**
 * A JWT the API accepts, signed with the configured secret (the `npm run token` script and tests use it).
 * A lifetime past the server's JWT_MAX_LIFETIME_SECONDS would make a token it refuses: that throws.
 */
export function signDevelopmentToken(config: AppConfig, email: string, expiresInSeconds = 12 * 3600): string {
  if (expiresInSeconds > config.jwt.maxLifetimeSeconds) {
    throw new RangeError(`a token may live at most ${config.jwt.maxLifetimeSeconds} s (JWT_MAX_LIFETIME_SECONDS), asked for ${expiresInSeconds} s`);
  }
  return signLeadDeskToken(config.jwt, email, expiresInSeconds);
}
