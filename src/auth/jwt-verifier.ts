import { createSecretKey, type KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { isEmail } from 'class-validator';
import { JsonWebTokenError, verify } from 'jsonwebtoken';
import { AppConfig } from '../config/app-config';
import type { Principal } from './principal';

interface JwtClaims {
  sub?: unknown;
  email?: unknown;
  exp?: unknown;
}

/**
 * Checks a user's JWT: HS256 only (so `alg: none` and every other algorithm is refused), the configured
 * secret, issuer and audience, not expired, and `sub`, `email` and `exp` present.
 *
 * Verified here rather than through a passport strategy: passport keeps strategies in one process-wide
 * registry by name, so Lead Desk's `jwt` strategy would replace a host application's own (or the other way
 * round), and two Lead Desk applications in one process would share the last one's secret.
 */
@Injectable()
export class JwtVerifier {
  /**
   * The secret as a KeyObject made once: given a string, jsonwebtoken first tries to parse it as a PEM public
   * key on every verify (and catches the failure), which was the single largest CPU cost of a request.
   */
  private readonly key: KeyObject;

  constructor(private readonly config: AppConfig) {
    this.key = createSecretKey(Buffer.from(config.jwt.secret, 'utf8'));
  }

  /** The user the token proves, or null for any token that is not one of ours and valid. */
  verify(token: string): Principal | null {
    let claims: unknown;
    try {
      claims = verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
        ignoreExpiration: false,
      });
    } catch (error) {
      // JsonWebTokenError covers TokenExpiredError and NotBeforeError: a bad token, not a server fault.
      if (error instanceof JsonWebTokenError) return null;
      throw error;
    }
    if (typeof claims !== 'object' || claims === null) return null;
    const { sub, email, exp } = claims as JwtClaims;
    if (typeof sub !== 'string' || sub.length === 0) return null;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return null;
    if (typeof email !== 'string' || email.length > 255 || !isEmail(email)) return null;
    return { kind: 'user', email: email.toLowerCase() };
  }
}
