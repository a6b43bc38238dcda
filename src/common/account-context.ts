import type { Role } from '../accounts/roles';
import type { Actor } from '../audit/actor';

/** The account a request acts in, resolved from `x-account-id` and the principal by the account guard. */
export interface AccountContext extends Actor {
  accountId: string;
  /** Effective role: for an API key, the lower of its role and its creator's current role. */
  role: Role;
}
