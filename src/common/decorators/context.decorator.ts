import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../auth/principal';
import type { AccountContext } from '../account-context';
import type { Actor } from '../../audit/actor';
import type { AuditContext } from '../http/audit-context';

export interface RequestWithContext extends FastifyRequest {
  user?: Principal;
  /** Resolved by the account guard: the account, the role, and who acts (without the request). */
  accountContext?: AccountContext;
  actor?: Actor;
  /** Set by AccessLogGuard, Lead Desk's first guard: request id, route and the request metadata audit entries keep. */
  auditContext?: AuditContext;
}

/**
 * The AccountContext of the request: the account guard's resolution (account, role, user, API key) with the
 * request's audit context (AccessLogGuard); every service call takes it first.
 */
export const Ctx = createParamDecorator((_: unknown, ctx: ExecutionContext): AccountContext => {
  const request = ctx.switchToHttp().getRequest<RequestWithContext>();
  const context = request.accountContext;
  if (!context) throw new Error('No account context: the route lacks @Permission()');
  return request.auditContext ? { ...context, request: request.auditContext.meta } : context;
});

/** The authenticated principal (routes marked @Authenticated). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<RequestWithContext>().user;
  if (!principal) throw new Error('No principal: the route is public');
  return principal;
});

/** The actor of a route without an account (for its audit entries). */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const request = ctx.switchToHttp().getRequest<RequestWithContext>();
  const actor = request.actor;
  if (!actor) throw new Error('No actor: the route lacks @Authenticated()');
  return request.auditContext ? { ...actor, request: request.auditContext.meta } : actor;
});
