import type { Role } from '../accounts/roles';

/** Who is calling, as proven by the bearer token. */
export type Principal =
  | { kind: 'user'; email: string }
  | { kind: 'api-key'; email: string; apiKeyId: number; accountId: string; role: Role };
