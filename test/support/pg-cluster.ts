import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './server-process';

/**
 * Throwaway PostgreSQL clusters for the replica suites: a primary made with `initdb`, and streaming replicas
 * made from it with `pg_basebackup -R`, each on a spare loopback port, in a temporary folder removed at the
 * end. As root they run as the `postgres` user (PostgreSQL refuses root), as scripts/faults.ts does.
 */
const PG_LIB = '/usr/lib/postgresql';

/** The binaries of the newest installed PostgreSQL (Debian's layout), or null. */
export function postgresBinDir(): string | null {
  if (!existsSync(PG_LIB)) return null;
  const versions = readdirSync(PG_LIB).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(PG_LIB, v, 'bin');
    if (['initdb', 'pg_ctl', 'pg_basebackup'].every((tool) => existsSync(join(bin, tool)))) return bin;
  }
  return null;
}

const asRoot = () => process.getuid?.() === 0;
function canRunAsPostgres(): boolean {
  if (!asRoot()) return true;
  try {
    execFileSync('runuser', ['-u', 'postgres', '--', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** For itWhen: the tools to make a primary and a replica on this machine. */
export const needsClusterTools = (): Record<string, boolean> => ({
  'needs PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) and, as root, a postgres user': postgresBinDir() !== null && canRunAsPostgres(),
});

function pgTool(tool: string, args: string[], timeoutMs = 120_000): string {
  const bin = join(postgresBinDir()!, tool);
  const [cmd, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function pgToolAsync(tool: string, args: string[], timeoutMs = 60_000): Promise<void> {
  const bin = join(postgresBinDir()!, tool);
  const [cmd, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  await promisify(execFile)(cmd, argv, { timeout: timeoutMs });
}

export interface Cluster {
  port: number;
  dataDir: string;
  url(database?: string): string;
  /** A connected client (postgres user, `database`); the caller ends it. */
  client(database?: string): Promise<Client>;
  stop(mode?: 'fast' | 'immediate'): void;
  /** `stop` without blocking this process (an app in it goes on answering meanwhile). */
  stopInBackground(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): void;
}

export interface ClusterSet {
  primary: Cluster;
  replicas: Cluster[];
  /** Adds a replica streaming from the primary (pg_basebackup -R), started. */
  addReplica(): Promise<Cluster>;
  /** Stops every cluster and removes the folder. */
  destroy(): void;
}

function clusterAt(dataDir: string, port: number, socketDir: string): Cluster {
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    dataDir,
    url,
    async client(database = 'postgres') {
      const c = new Client({ connectionString: url(database), connectionTimeoutMillis: 5000 });
      c.on('error', () => undefined);
      await c.connect();
      return c;
    },
    stop(mode = 'fast') {
      try {
        pgTool('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop'], 60_000);
      } catch {
        // already stopped
      }
    },
    async stopInBackground(mode = 'fast') {
      await pgToolAsync('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop']);
    },
    start() {
      pgTool('pg_ctl', ['-D', dataDir, '-l', join(dataDir, 'server.log'), '-w', '-t', '60', 'start'], 90_000);
    },
  };
}

/** A primary cluster (trust auth on 127.0.0.1, replication allowed), started. */
export async function startClusterSet(): Promise<ClusterSet> {
  const root = mkdtempSync(join(tmpdir(), 'leaddesk-replica-'));
  chmodSync(root, 0o777);
  const socketDir = join(root, 'sockets');
  const made: Cluster[] = [];
  const destroy = () => {
    for (const c of [...made].reverse()) c.stop('immediate');
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const dataDir = join(root, 'primary');
    pgTool('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
    writeSettings(dataDir, port, socketDir, root);
    const primary = clusterAt(dataDir, port, socketDir);
    primary.start();
    made.push(primary);
    const set: ClusterSet = {
      primary,
      replicas: [],
      async addReplica() {
        const replicaPort = await freePort();
        const replicaDir = join(root, `replica${set.replicas.length}`);
        pgTool('pg_basebackup', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
        // the copied postgresql.conf names the primary's port: this one's comes last and wins
        appendFileSync(join(replicaDir, 'postgresql.conf'), `\nport = ${replicaPort}\nhot_standby = on\nhot_standby_feedback = on\n`);
        const replica = clusterAt(replicaDir, replicaPort, socketDir);
        replica.start();
        made.push(replica);
        set.replicas.push(replica);
        return replica;
      },
      destroy,
    };
    return set;
  } catch (error) {
    destroy();
    throw error;
  }
}

function writeSettings(dataDir: string, port: number, socketDir: string, root: string): void {
  if (!existsSync(socketDir)) {
    execFileSync('mkdir', ['-p', socketDir]);
    chmodSync(socketDir, 0o777);
  }
  appendFileSync(
    join(dataDir, 'postgresql.conf'),
    [
      '',
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${socketDir}'`,
      'wal_level = replica',
      'max_wal_senders = 10',
      'max_connections = 200',
      'shared_buffers = 32MB',
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'wal_keep_size = 256MB',
      '',
    ].join('\n'),
  );
  writeFileSync(join(root, 'README'), 'Throwaway clusters of a Lead Desk test run (test/support/pg-cluster.ts).\n');
}
