/** Errors that mean "the database cannot be reached right now" (answered 503), as opposed to a bug (500). */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection is closed',
  'connect ECONNREFUSED',
  'the database system is',
  'Cannot use a pool after calling end',
  'PGlite is closed',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code ?? (error as { driverError?: { code?: unknown } }).driverError?.code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return UNAVAILABLE_MESSAGES.some((m) => error.message.includes(m));
}

/** The PostgreSQL SQLSTATE of a driver error, if any. */
export function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Failures to reach the database at all: no statement was sent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', '57P03', '53300']);
const NOT_SENT_MESSAGES = ['timeout exceeded when trying to connect', 'connect ECONNREFUSED', 'Cannot use a pool after calling end'];

/**
 * The database became unreachable in a way that may have come after a statement committed (connection lost
 * mid-statement, server shut down): what it wrote is unknown, so it must not be retried blindly.
 */
export function mayHaveCommitted(error: unknown): boolean {
  if (!isDatabaseUnavailable(error)) return false;
  const e = error as Error & { code?: unknown };
  if (typeof e.code === 'string' && NOT_SENT_CODES.has(e.code)) return false;
  return !NOT_SENT_MESSAGES.some((m) => e.message.includes(m));
}

/** SQLSTATE of a unique violation. */
export const UNIQUE_VIOLATION = '23505';

/**
 * Runs a write that a unique constraint or index guards (a name taken, a second active rotation, a member added
 * twice): the database decides, race-free, and its unique violation becomes `conflict()`, the feature's error.
 */
export async function uniquelyWritten<T>(write: () => Promise<T>, conflict: () => Error): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (sqlState(error) === UNIQUE_VIOLATION) throw conflict();
    throw error;
  }
}
