import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { API_KEY_PREFIX, ApiKeysService } from '../accounts/api-keys.service';
import type { RequestWithContext } from '../common/decorators/context.decorator';
import { PUBLIC_KEY } from '../common/decorators/route-access.decorator';
import { JwtVerifier } from './jwt-verifier';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * First of Lead Desk's route guards: attaches the principal proven by the bearer token to the request, or
 * none. It does not refuse: the rate limiter runs next and counts unauthenticated requests per IP, then
 * AccountGuard answers 401 on every route that is not @Public() and has no principal.
 *
 * `ldk_` API keys are checked by this application's ApiKeysService, JWTs by its JwtVerifier: nothing
 * process-wide, so a host application's own authentication and a second instance in one process are unaffected.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly jwt: JwtVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<RequestWithContext>();
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (!token) request.user = undefined;
    else if (token.startsWith(API_KEY_PREFIX)) request.user = (await this.apiKeys.authenticate(token)) ?? undefined;
    else request.user = this.jwt.verify(token) ?? undefined;
    return true;
  }
}
