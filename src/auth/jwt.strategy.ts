import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { isEmail } from 'class-validator';
import { createSecretKey, type KeyObject } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { normalizeEmail } from '../common/email';
import type { Principal } from './principal';

/**
 * Lead Desk's passport strategy name. Not `jwt`: passport keeps strategies in one process-wide registry by
 * name, and a host application that imports Lead Desk usually has its own `jwt` strategy.
 */
export const LEAD_DESK_JWT = 'lead-desk-jwt';

/** How the Lead Desk application handling a request checks its JWTs. */
export interface JwtVerification {
  /** The HS256 secret as a KeyObject, made once (a string would be re-parsed on every verify) */
  key: KeyObject;
  issuer?: string;
  audience?: string;
  /** The longest `exp - iat` accepted (a token without `iat`: the longest `exp - now`) */
  maxLifetimeSeconds: number;
  /** How far in the future `iat` may be */
  clockSkewSeconds: number;
}

/** The verification settings of `config` (the secret made into a KeyObject once). */
export function jwtVerificationOf(config: AppConfig): JwtVerification {
  const { secret, issuer, audience, maxLifetimeSeconds, clockSkewSeconds } = config.jwt;
  return { key: createSecretKey(Buffer.from(secret, 'utf8')), issuer, audience, maxLifetimeSeconds, clockSkewSeconds };
}

const SETTINGS = Symbol('leadDeskJwtSettings');
type RequestWithSettings = { [SETTINGS]?: JwtVerification };

/** Called by AuthGuard before passport runs: the settings travel with the request, not with the strategy. */
export function attachJwtVerification(request: object, settings: JwtVerification): void {
  (request as RequestWithSettings)[SETTINGS] = settings;
}

function settingsOf(request: unknown): JwtVerification {
  const settings = (request as RequestWithSettings)[SETTINGS];
  if (!settings) throw new Error('Lead Desk JWT settings missing on the request (AuthGuard attaches them)');
  return settings;
}

interface JwtClaims {
  sub?: unknown;
  email?: unknown;
  exp?: unknown;
  iat?: unknown;
  iss?: unknown;
  aud?: unknown;
}

/**
 * passport-jwt: HS256 only (so `alg: none` and every other algorithm is refused), not expired; then the
 * issuer and audience when configured, and `sub`, `email` and `exp` required. A token may live at most
 * `maxLifetimeSeconds` (`exp - iat`; without `iat`, counted from now: what is left of it is bounded the same
 * way) and may not be issued in the future (`iat` later than now + `clockSkewSeconds`).
 *
 * The strategy holds no configuration: the secret, issuer and audience come from the request (attached by
 * the AuthGuard of the Lead Desk application that received it). Registered by name for the whole process, one
 * instance therefore serves every Lead Desk application in it correctly, each with its own secret.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, LEAD_DESK_JWT) {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // jsonwebtoken.verify takes a KeyObject; passport-jwt's typings only know string | Buffer
      secretOrKeyProvider: (request, _token, done) => done(null, settingsOf(request).key as unknown as Buffer),
      algorithms: ['HS256'],
      ignoreExpiration: false,
      passReqToCallback: true,
    });
  }

  validate(request: unknown, claims: JwtClaims): Principal | null {
    const { issuer, audience, maxLifetimeSeconds, clockSkewSeconds } = settingsOf(request);
    const { sub, email, exp, iat, iss, aud } = claims;
    if (issuer !== undefined && iss !== issuer) return null;
    if (audience !== undefined && !(Array.isArray(aud) ? aud : [aud]).includes(audience)) return null;
    if (typeof sub !== 'string' || sub.length === 0) return null;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return null;
    const now = Date.now() / 1000;
    if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) return null;
    if (typeof iat === 'number' && iat > now + clockSkewSeconds) return null;
    if (exp - (typeof iat === 'number' ? iat : now) > maxLifetimeSeconds) return null;
    if (typeof email !== 'string' || email.length > 255 || !isEmail(email)) return null;
    // The identity is the email as normalizeEmail reads it; one that case folding would turn into another is refused.
    const identity = normalizeEmail(email);
    return identity === null ? null : { kind: 'user', email: identity };
  }
}
