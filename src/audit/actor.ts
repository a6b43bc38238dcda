import type { RequestMeta } from './request-meta';

/** Who does a change, for the audit log. */
export interface Actor {
  /** Lower-cased email of the user (for an API key: its creator). */
  user: string;
  /** The API key's id when the request was made with one. */
  apiKeyId: string | null;
  /** The request that made the change; absent for in-process calls. */
  request?: RequestMeta;
}
