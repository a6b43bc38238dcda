import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { API_KEY_PREFIX, ApiKeysService } from '../accounts/api-keys.service';
import type { RequestWithContext } from '../common/decorators/context.decorator';
import { PUBLIC_KEY } from '../common/decorators/route-access.decorator';
import type { Principal } from './principal';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Global, first: attaches the principal proven by the bearer token to the request, or none. It does not
 * refuse: the rate limiter runs next and counts unauthenticated requests per IP, then AccountGuard answers
 * 401 on every route that is not @Public() and has no principal.
 *
 * `ldk_` API keys are checked here by this application's ApiKeysService; JWTs by passport-jwt. (Passport
 * keeps strategies in one process-wide registry, so a database-backed strategy would be shared by every
 * Nest application in the process — a host app, or a second instance in a test — and serve the last one.)
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<RequestWithContext>();
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (!token) {
      request.user = undefined;
      return true;
    }
    if (token.startsWith(API_KEY_PREFIX)) {
      request.user = (await this.apiKeys.authenticate(token)) ?? undefined;
      return true;
    }
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<T = Principal>(error: unknown, principal: T | false): T | undefined {
    if (error && !(error instanceof UnauthorizedException)) throw error;
    return principal || undefined;
  }
}
