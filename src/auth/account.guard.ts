import { BadRequestException, CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccountAccessService } from '../accounts/account-access.service';
import { AccountErrors } from '../accounts/accounts.errors';
import { hasPermission, type Permission } from '../accounts/roles';
import type { Actor } from '../audit/actor';
import type { RequestWithContext } from '../common/decorators/context.decorator';
import { AUTHENTICATED_KEY, PERMISSION_KEY, PUBLIC_KEY } from '../common/decorators/route-access.decorator';

/**
 * On every Lead Desk controller (@LeadDeskController), after AuthGuard and the rate limiter: 401 without a
 * principal; then resolves `x-account-id` + principal into the request's AccountContext and enforces the
 * route's @Permission. A route with neither @Public, @Authenticated nor @Permission is
 * refused: deny by default.
 */
@Injectable()
export class AccountGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccountAccessService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<RequestWithContext>();
    const principal = request.user;
    if (!principal) throw new UnauthorizedException('Authentication required: send a valid bearer token (JWT or API key)');
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, targets);
    if (!permission) {
      if (!this.reflector.getAllAndOverride<boolean>(AUTHENTICATED_KEY, targets)) {
        throw new ForbiddenException('This route declares no access rule');
      }
      request.actor = actorOf(request);
      return true;
    }
    const header = request.headers['x-account-id'];
    if (typeof header !== 'string' || header.trim() === '') throw new BadRequestException('x-account-id header is required');
    const accountId = header.trim();
    const role = await this.access.effectiveRole(principal, accountId);
    if (!hasPermission(role, permission)) throw AccountErrors.roleTooLow();
    request.accountContext = { ...actorOf(request), accountId, role, replicaAllowed: request.headers['x-consistency'] !== 'strong' };
    return true;
  }
}

/** Who acts; the request's metadata is its audit context (AccessLogGuard), added by @Ctx() / @CurrentActor(). */
function actorOf(request: RequestWithContext): Actor {
  const principal = request.user!;
  return { user: principal.email, apiKeyId: principal.kind === 'api-key' ? String(principal.apiKeyId) : null };
}
