import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { API_KEY_PREFIX, ApiKeysService } from '../accounts/api-keys.service';
import type { RequestWithContext } from '../common/decorators/context.decorator';
import { PUBLIC_KEY } from '../common/decorators/route-access.decorator';
import { bearerToken } from '../common/rate-limit/anonymous-blocks';
import { AppConfig } from '../config/app-config';
import { attachJwtVerification, jwtVerificationOf, LEAD_DESK_JWT, type JwtVerification } from './jwt.strategy';
import type { Principal } from './principal';

/**
 * First of Lead Desk's route guards: attaches the principal proven by the bearer token to the request, or
 * none. It does not refuse: the rate limiter runs next and counts unauthenticated requests per IP, then
 * AccountGuard answers 401 on every route that is not @Public() and has no principal.
 *
 * `ldk_` API keys are checked by this application's ApiKeysService, JWTs by passport-jwt through Lead Desk's
 * own strategy (`lead-desk-jwt`, never a host's `jwt`), with this application's secret, issuer and audience
 * attached to the request: a host's own authentication and a second instance in one process are unaffected.
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard(LEAD_DESK_JWT) {
  private readonly jwt: JwtVerification;

  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    config: AppConfig,
  ) {
    super();
    this.jwt = jwtVerificationOf(config);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<RequestWithContext>();
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      request.user = undefined;
      return true;
    }
    if (token.startsWith(API_KEY_PREFIX)) {
      request.user = (await this.apiKeys.authenticate(token)) ?? undefined;
      return true;
    }
    attachJwtVerification(request, this.jwt);
    return (await super.canActivate(context)) as boolean;
  }

  /** A bad token is no principal (AccountGuard answers 401); anything else that went wrong still throws. */
  override handleRequest<T = Principal>(error: unknown, principal: T | false): T | undefined {
    if (error && !(error instanceof UnauthorizedException)) throw error;
    return principal || undefined;
  }
}
