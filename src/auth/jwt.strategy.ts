import { Injectable } from '@nestjs/common';
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
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwt.secret,
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
