import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, LOCK_FILE_NAME, lockDataDir } from './data-dir-lock';

describe('lockDataDir', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'leaddesk-lock-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const lockFile = (dir: string) => join(dir, LOCK_FILE_NAME);
  const owner = (pid: number, host = hostname()) => JSON.stringify({ pid, host, nonce: `n${pid}`, since: '2026-01-01T00:00:00.000Z' });

  /** A pid that belonged to a process which has exited (and been reaped). */
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    return child.pid!;
  }

  it('creates the folder with its parents and a lock file naming this process; release removes it', () => {
    const dir = join(base, 'a', 'b', 'c');
    const lock = lockDataDir(dir);
    expect(lock.dir).toBe(dir);
    expect(JSON.parse(readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    lock.release();
    expect(existsSync(lockFile(dir))).toBe(false);
    lock.release(); // idempotent
    lockDataDir(dir).release(); // and the folder can be locked again
  });

  it('refuses a second lock on the same folder in the same process', () => {
    const lock = lockDataDir(base);
    try {
      expect(() => lockDataDir(join(base, '.'))).toThrow(DataDirInUseError);
      expect(() => lockDataDir(base)).toThrow(`DATA_DIR ${base} is already open in this process.`);
    } finally {
      lock.release();
    }
  });

  it('refuses a folder held by another live process, naming its pid and the lock file', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(lockFile(base), owner(holder.pid!));
      expect(() => lockDataDir(base)).toThrow(
        `DATA_DIR ${base} is in use by another Lead Desk process (pid ${holder.pid}, since 2026-01-01T00:00:00.000Z). ` +
          `Stop that process, or set DATA_DIR to another folder; if that process no longer exists, delete ${lockFile(base)}.`,
      );
      expect(readFileSync(lockFile(base), 'utf8')).toBe(owner(holder.pid!)); // left alone
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('refuses a folder locked from another host, whose process cannot be checked', () => {
    writeFileSync(lockFile(base), owner(process.pid, 'another-host'));
    expect(() => lockDataDir(base)).toThrow(/in use by another Lead Desk process \(pid \d+ on host another-host/);
  });

  it('takes over the lock of a process that is gone', async () => {
    const pid = await deadPid();
    writeFileSync(lockFile(base), owner(pid));
    const lock = lockDataDir(base);
    expect(JSON.parse(readFileSync(lockFile(base), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock file it cannot read, and one left by an earlier process with its own pid (pid 1 in a container)', () => {
    writeFileSync(lockFile(base), 'garbage');
    lockDataDir(base).release();
    writeFileSync(lockFile(base), owner(process.pid));
    lockDataDir(base).release();
  });

  it('release leaves alone a lock file that another holder has written since', () => {
    const lock = lockDataDir(base);
    writeFileSync(lockFile(base), owner(12345));
    lock.release();
    expect(readFileSync(lockFile(base), 'utf8')).toBe(owner(12345));
  });

  it('lets exactly one of several processes racing for a stale lock have the folder', async () => {
    writeFileSync(lockFile(base), owner(await deadPid()));
    // Each racer loads the module, says so, and tries the lock when told to; the holder keeps it until killed.
    const script = `
      require('ts-node').register({ transpileOnly: true });
      const { lockDataDir } = require(${JSON.stringify(require.resolve('./data-dir-lock'))});
      console.log('ready');
      process.stdin.once('data', () => {
        try { lockDataDir(${JSON.stringify(base)}); console.log('locked'); }
        catch (e) { console.log(e.constructor.name); }
      });`;
    const racers = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ['-e', script], { cwd: join(__dirname, '..', '..') });
      let out = '';
      const ready = new Promise<void>((resolve) => child.stdout.on('data', (d) => (out += d).includes('ready') && resolve()));
      const answered = new Promise<string>((resolve) => child.stdout.on('data', () => /locked|Error/.test(out) && resolve(out.replace('ready', '').trim())));
      return { child, ready, answered };
    });
    try {
      await Promise.all(racers.map((r) => r.ready));
      for (const r of racers) r.child.stdin.write('go\n');
      const results = await Promise.all(racers.map((r) => r.answered));
      expect(results.filter((r) => r === 'locked')).toHaveLength(1);
      expect(results.filter((r) => r === 'DataDirInUseError')).toHaveLength(3);
    } finally {
      for (const r of racers) r.child.kill('SIGKILL');
    }
  }, 60_000);
});
