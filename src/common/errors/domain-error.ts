import type { FieldError } from '../http/validation.exception';

/**
 * What kind of failure a domain error is, which decides its HTTP status at the edge: the contract's
 * 400 (a request that breaks a rule), 403, 404, 409, and 503 for a failure the caller should retry later
 * (a busy rotation, an outcome the server cannot know).
 */
export type DomainErrorKind = 'invalid' | 'forbidden' | 'not_found' | 'conflict' | 'unavailable';

const HTTP_STATUS: Record<DomainErrorKind, number> = { invalid: 400, forbidden: 403, not_found: 404, conflict: 409, unavailable: 503 };

/** The contract's error body: `{"error": <sentence>, "details"?: [{field, message}]}`. */
export interface DomainErrorBody {
  error: string;
  details?: FieldError[];
}

/**
 * A failure of a Lead Desk feature, thrown by its services whoever calls them (a route, or a host
 * in-process). Each feature has its own subclass (AccountError, TeamError, LeadError, ...) and a `code` per
 * failure, so a caller branches on `error instanceof TeamError && error.code === 'name_taken'` rather than
 * on a sentence or a status. `message` is the user-facing sentence, answered as `error` over HTTP; the error
 * filter (AllExceptionsFilter) maps `kind` to the status.
 */
export abstract class DomainError<Code extends string = string> extends Error {
  constructor(
    /** Stable, per failure of the feature: `name_taken`, `not_found`, ... */
    readonly code: Code,
    /** The user-facing sentence (the body's `error`). */
    message: string,
    readonly kind: DomainErrorKind,
    /** The fields at fault, when the failure is about particular fields of the input. */
    readonly details?: FieldError[],
    /** For `unavailable`: seconds after which a retry may succeed (the `Retry-After` header). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The HTTP status this error is answered with. */
  get httpStatus(): number {
    return HTTP_STATUS[this.kind];
  }

  /** The body this error is answered with over HTTP. */
  toResponseBody(): DomainErrorBody {
    return this.details ? { error: this.message, details: this.details } : { error: this.message };
  }
}
