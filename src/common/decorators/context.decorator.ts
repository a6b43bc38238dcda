import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../auth/principal';
import type { AccountContext } from '../account-context';
import type { Actor } from '../../audit/actor';

export interface RequestWithContext extends FastifyRequest {
  user?: Principal;
  accountContext?: AccountContext;
  actor?: Actor;
}

/** The AccountContext the account guard resolved; every service call takes it first. */
export const Ctx = createParamDecorator((_: unknown, ctx: ExecutionContext): AccountContext => {
  const context = ctx.switchToHttp().getRequest<RequestWithContext>().accountContext;
  if (!context) throw new Error('No account context: the route lacks @Permission()');
  return context;
});

/** The authenticated principal (routes marked @Authenticated). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<RequestWithContext>().user;
  if (!principal) throw new Error('No principal: the route is public');
  return principal;
});

/** The actor of a route without an account (for its audit entries). */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const actor = ctx.switchToHttp().getRequest<RequestWithContext>().actor;
  if (!actor) throw new Error('No actor: the route lacks @Authenticated()');
  return actor;
});
