import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigurationError } from '../config/environment';

/** The lock file's name inside DATA_DIR (PostgreSQL tolerates foreign files in its data folder, as it does postmaster.pid). */
export const LOCK_FILE_NAME = 'lead-desk.lock';

/**
 * DATA_DIR is held by another live process. Two PGlite instances on one folder silently lose
 * committed rows, so the second one must never start. A ConfigurationError, so main.ts prints it plainly.
 */
export class DataDirInUseError extends ConfigurationError {}

interface LockOwner {
  pid: number;
  host: string;
  /** Tells this holder from a later one with the same pid. */
  nonce: string;
  since: string;
}

export interface DataDirLock {
  /** The absolute DATA_DIR. */
  readonly dir: string;
  readonly file: string;
  /** Removes the lock file if it is still ours. Idempotent; also runs at process exit. */
  release(): void;
}

/** Lock files this process holds: a second open of the same folder in one process is refused as well. */
const heldHere = new Set<string>();

/**
 * Takes the exclusive lock on `dataDir` (created, with its parents, if missing): a file holding this
 * process's pid, created atomically. A lock left by a process that is gone (killed, crashed) is taken
 * over; one held by a live process is refused with DataDirInUseError.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE_NAME);
  if (heldHere.has(file)) throw new DataDirInUseError(`DATA_DIR ${dir} is already open in this process.`);
  const me: LockOwner = { pid: process.pid, host: hostname(), nonce: randomBytes(8).toString('hex'), since: new Date().toISOString() };

  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusively(file, me)) return held(dir, file, me);
    const owner = readOwner(file);
    if (!owner) continue; // removed between our attempt and the read: try again
    if (isAlive(owner)) throw inUse(dir, file, owner);
    takeOverStale(file, owner);
  }
  throw new DataDirInUseError(`DATA_DIR ${dir} could not be locked: other processes keep taking ${file}.`);
}

function held(dir: string, file: string, me: LockOwner): DataDirLock {
  heldHere.add(file);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    heldHere.delete(file);
    process.removeListener('exit', release);
    if (readOwner(file)?.nonce === me.nonce) tryUnlink(file);
  };
  // A process that exits without closing the database (process.exit in a script) still frees the folder.
  process.on('exit', release);
  return { dir, file, release };
}

/** Creates `file` with the owner's record, failing if it exists. The content is complete before the file appears. */
function createExclusively(file: string, owner: LockOwner): boolean {
  const draft = `${file}.${owner.pid}.${owner.nonce}`;
  writeFileSync(draft, `${JSON.stringify(owner)}\n`);
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    // A file system without hard links: exclusive create, content written just after.
    try {
      writeFileSync(file, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
      return true;
    } catch (fallbackError) {
      if (errorCode(fallbackError) === 'EEXIST') return false;
      throw fallbackError;
    }
  } finally {
    tryUnlink(draft);
  }
}

function readOwner(file: string): LockOwner | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.nonce === 'string') return parsed as LockOwner;
  } catch {
    // fall through: unreadable content
  }
  // Not written by this code (or cut short): nobody can be shown to hold it, and a live holder would have
  // written a complete record before the file appeared.
  return { pid: 0, host: hostname(), nonce: `unreadable:${text}`, since: '' };
}

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true; // another machine's process cannot be checked: assume it runs
  if (owner.pid <= 0) return false;
  if (owner.pid === process.pid) return false; // not held here (checked above): left by an earlier life of this pid, as pid 1 in a container
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    return errorCode(error) === 'EPERM'; // exists, belongs to someone else
  }
  return !isZombie(owner.pid);
}

/** A killed process that its parent has not reaped yet still answers kill(pid, 0) on Linux. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/**
 * Removes a stale lock so that only one of several processes racing for it succeeds: the file is renamed
 * away (atomic) and checked; if what was renamed is no longer the stale record (a live process took the lock
 * in between), it is put back.
 */
function takeOverStale(file: string, stale: LockOwner): void {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return; // someone else removed it first
    throw error;
  }
  const moved = readOwner(aside);
  if (moved && moved.nonce !== stale.nonce) {
    try {
      linkSync(aside, file);
    } catch {
      // a third process took the folder meanwhile: it holds it now
    }
  }
  tryUnlink(aside);
}

function inUse(dir: string, file: string, owner: LockOwner): DataDirInUseError {
  const where = owner.host === hostname() ? `pid ${owner.pid}` : `pid ${owner.pid} on host ${owner.host}`;
  return new DataDirInUseError(
    `DATA_DIR ${dir} is in use by another Lead Desk process (${where}, since ${owner.since}). ` +
      `Stop that process, or set DATA_DIR to another folder; if that process no longer exists, delete ${file}.`,
  );
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
