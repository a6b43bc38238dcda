import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { PUBLIC_KEY } from '../common/decorators/route-access.decorator';
import type { Principal } from './principal';

/** Global: every route needs a valid JWT or API key unless it is @Public(). */
@Injectable()
export class AuthGuard extends PassportAuthGuard(['api-key', 'jwt']) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    return super.canActivate(context);
  }

  override handleRequest<T = Principal>(error: unknown, principal: T | false): T {
    if (error || !principal) throw new UnauthorizedException('Authentication required: send a valid bearer token (JWT or API key)');
    return principal;
  }
}
