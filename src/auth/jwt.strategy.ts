import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { isEmail } from 'class-validator';
import type { KeyObject } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
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
  iss?: unknown;
  aud?: unknown;
}

/**
 * passport-jwt: HS256 only (so `alg: none` and every other algorithm is refused), not expired; then the
 * issuer and audience when configured, and `sub`, `email` and `exp` required.
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
    const { issuer, audience } = settingsOf(request);
    const { sub, email, exp, iss, aud } = claims;
    if (issuer !== undefined && iss !== issuer) return null;
    if (audience !== undefined && !(Array.isArray(aud) ? aud : [aud]).includes(audience)) return null;
    if (typeof sub !== 'string' || sub.length === 0) return null;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return null;
    if (typeof email !== 'string' || email.length > 255 || !isEmail(email)) return null;
    return { kind: 'user', email: email.toLowerCase() };
  }
}
