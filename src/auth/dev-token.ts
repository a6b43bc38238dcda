import { sign } from 'jsonwebtoken';
import type { AppConfig } from '../config/app-config';

/** A JWT the API accepts, signed with the configured secret (the `npm run token` script and tests use it). */
export function signDevelopmentToken(config: AppConfig, email: string, expiresInSeconds = 12 * 3600): string {
  return sign({ email }, config.jwt.secret, {
    algorithm: 'HS256',
    subject: email,
    expiresIn: expiresInSeconds,
    ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
    ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
  });
}
