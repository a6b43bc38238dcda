import { BadRequestException } from '@nestjs/common';
import type { Role } from '../accounts/roles';
import type { Actor } from '../audit/actor';
import type { RequestMeta } from '../audit/request-meta';
import type { Principal } from '../auth/principal';
import { EMAIL_FOLDING_MESSAGE, normalizeEmail } from './email';

/** The account a request acts in, resolved from `x-account-id` and the principal by the account guard. */
export interface AccountContext extends Actor {
  accountId: string;
  /** Effective role: for an API key, the lower of its role and its creator's current role. */
  role: Role;
  /** API.md 14: an HTTP request without `x-consistency: strong` may read lists, searches and exports from a replica. */
  replicaAllowed?: boolean;
}

/** Who acts in an in-process call (a host application calling Lead Desk's services directly). */
export interface InProcessCaller {
  accountId: string | number;
  /** The user's email; stored lower-cased, as a token's email is. */
  user: string;
  role: Role;
  /** An API key's id, when the host acts on one's behalf. */
  apiKeyId?: string | number | null;
  /** The host's own request, to record in audit entries; absent: their request fields are null. */
  request?: RequestMeta;
}

/**
 * An AccountContext for an in-process call, taken as given: the host vouches for the user and the role
 * (no membership lookup; AccountContexts.forMember checks them as the HTTP routes do). Without `request`,
 * the audit entries of the changes made with it record `requestMethod`, `requestPath`, `requestHeaders` and
 * `requestIpAddress` as null: they were not made over HTTP.
 */
export function inProcessContext(caller: InProcessCaller): AccountContext {
  return {
    ...inProcessActor(caller.user, caller.request),
    accountId: String(caller.accountId),
    role: caller.role,
    apiKeyId: caller.apiKeyId === undefined || caller.apiKeyId === null ? null : String(caller.apiKeyId),
  };
}

/** The actor of an in-process call that is not scoped to an account (AccountsService.create). */
export function inProcessActor(email: string, request?: RequestMeta): Actor {
  return { user: identityOf(email), apiKeyId: null, ...(request ? { request } : {}) };
}

/** A user principal for in-process calls that take one (AccountsService.create and list). */
export function userPrincipal(email: string): Principal {
  return { kind: 'user', email: identityOf(email) };
}

/** A host's email as the identity it stands for (normalizeEmail); one that case folding would change is a 400. */
function identityOf(email: string): string {
  const identity = typeof email === 'string' ? normalizeEmail(email) : null;
  if (identity === null) throw new BadRequestException({ error: `user email ${EMAIL_FOLDING_MESSAGE}` }); // the contract's shape, for hosts too
  return identity;
}
