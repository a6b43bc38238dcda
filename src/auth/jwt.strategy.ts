import { Injectable } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import { isEmail } from 'class-validator';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config';
import type { Principal } from './principal';

interface JwtClaims {
  sub?: unknown;
  email?: unknown;
  exp?: unknown;
}

/** HS256 only (so `alg: none` and every other algorithm is refused); `sub`, `email` and `exp` required. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig) {
    // The secret as a KeyObject made once: given a string, jsonwebtoken first tries to parse it as a PEM public
    // key on every verify (and catches the failure), which was the single largest CPU cost of a request.
    const key = createSecretKey(Buffer.from(config.jwt.secret, 'utf8'));
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // jsonwebtoken.verify takes a KeyObject; passport-jwt's typings only know string | Buffer
      secretOrKeyProvider: (_request, _token, done) => done(null, key as unknown as Buffer),
      algorithms: ['HS256'],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
    });
  }

  validate(claims: JwtClaims): Principal | null {
    const { sub, email, exp } = claims;
    if (typeof sub !== 'string' || sub.length === 0) return null;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return null;
    if (typeof email !== 'string' || email.length > 255 || !isEmail(email)) return null;
    return { kind: 'user', email: email.toLowerCase() };
  }
}
