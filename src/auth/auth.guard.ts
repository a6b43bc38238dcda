import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { PUBLIC_KEY } from '../common/decorators/route-access.decorator';
import type { Principal } from './principal';

/**
 * Global, first: attaches the principal proven by the bearer token (a JWT or an API key) to the request,
 * or none. It does not refuse: the rate limiter runs next and counts unauthenticated requests per IP,
 * then AccountGuard answers 401 on every route that is not @Public() and has no principal.
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard(['api-key', 'jwt']) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    return super.canActivate(context);
  }

  override handleRequest<T = Principal>(error: unknown, principal: T | false): T | undefined {
    if (error && !(error instanceof UnauthorizedException)) throw error; // e.g. the database is down: 503, not 401
    return principal || undefined;
  }
}
