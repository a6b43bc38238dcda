import { PGlite, type Extension } from '@electric-sql/pglite';
import { lockDataDir } from './data-dir-lock';

// This project's TypeScript resolution (node10) cannot see a package's "exports" subpaths; Node and Jest can.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { pg_trgm } = require('@electric-sql/pglite/contrib/pg_trgm') as { pg_trgm: Extension };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createPgConfig } = require('@electric-sql/pglite/node-postgres') as {
  /** node-postgres client options whose `connection` talks to this PGlite instead of a socket. */
  createPgConfig(pglite: PGlite): Record<string, unknown>;
};

/**
 * Extensions a migration may CREATE: PGlite can only load those registered when it starts.
 * pg_trgm backs the case-insensitive substring search on leads.
 */
const EXTENSIONS = { pg_trgm };

export interface EmbeddedDatabase {
  readonly dataDir: string;
  readonly pglite: PGlite;
  /** node-postgres options for a pool of exactly one client over this instance. */
  readonly pgConfig: Record<string, unknown>;
  /** Closes PGlite (flushing it to DATA_DIR), then frees the folder's lock. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the PGlite database kept in `dataDir`, creating the folder (and its parents) and the database when
 * missing, after taking the folder's exclusive lock; resolves once PGlite is ready. Waiting here matters:
 * when the pg client connected while PGlite was still creating a new database (with pg_trgm), its connect
 * timeout fired, nothing was ever answered, and Node exited silently with code 0 before the app started.
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const lock = lockDataDir(dataDir);
  let pglite: PGlite;
  try {
    pglite = new PGlite(lock.dir, { extensions: EXTENSIONS });
  } catch (error) {
    lock.release();
    throw error;
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      try {
        const started = await pglite.waitReady.then(
          () => true,
          () => false,
        );
        if (started && !pglite.closed) await pglite.close();
      } finally {
        lock.release();
      }
    })());

  try {
    await pglite.waitReady;
  } catch (error) {
    await close();
    throw error;
  }
  return { dataDir: lock.dir, pglite, pgConfig: createPgConfig(pglite), close };
}
