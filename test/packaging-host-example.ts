// Builds examples/host-app against Lead Desk's packed tarball (`npm pack`), as a host service would install it,
// without the network: the tarball is unpacked as node_modules/lead-desk and every other package the example
// needs (Lead Desk's peers and dependencies, typescript, openapi-fetch) is a link to the repository's
// node_modules, so there is exactly one copy of @nestjs/core, typeorm, ... (what the peerDependencies ask of a
// host). Used by test/packaging-host-example.e2e-spec.ts and test/newcomer.e2e-spec.ts.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface HostExample {
  appDir: string;
  tarball: string;
  /** The files `npm pack` put in the tarball. */
  packedFiles: string[];
}

/** `npm pack` of `repoRoot` (built: dist/ must exist) into `workDir`, the example copied beside it and linked. */
export async function prepareHostExample(repoRoot: string, workDir: string, extraSources: Record<string, string> = {}): Promise<HostExample> {
  const packed = await run('npm', ['pack', '--json', '--pack-destination', workDir], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const tarball = join(workDir, info.filename);

  const appDir = join(workDir, 'host-app');
  cpSync(join(repoRoot, 'examples', 'host-app'), appDir, { recursive: true, filter: (src) => !/[/\\](node_modules|dist)$/.test(src) });
  const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  pkg.dependencies['lead-desk'] = `file:${tarball}`;
  writeFileSync(join(appDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const [name, text] of Object.entries(extraSources)) writeFileSync(join(appDir, 'src', name), text);

  const modules = join(appDir, 'node_modules');
  const leadDesk = join(modules, 'lead-desk');
  mkdirSync(leadDesk, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', leadDesk, '--strip-components=1']);
  for (const name of readdirSync(join(repoRoot, 'node_modules'))) {
    if (name === 'lead-desk' || name === '.package-lock.json' || name === '.cache') continue;
    symlinkSync(join(repoRoot, 'node_modules', name), join(modules, name));
  }
  return { appDir, tarball, packedFiles: info.files.map((f) => f.path) };
}

/** `tsc -p tsconfig.json` in the example (the repository's TypeScript); rejects with the compiler's output. */
export async function compileHostExample(appDir: string, repoRoot: string): Promise<void> {
  try {
    await run(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: appDir });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`examples/host-app does not compile against the packed tarball:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

export interface HostExampleResult {
  accountId: string;
  inProcessLead: { id: number; createdBy: string };
  httpLead: { id: number; status: number };
  listed: string[];
  hello: string;
}

/** `node dist/main.js --demo-only` in the example on `databaseUrl` (an empty database): its printed result. */
export async function runHostExample(appDir: string, databaseUrl: string, port: number): Promise<HostExampleResult> {
  const { stdout } = await run(process.execPath, ['dist/main.js', '--demo-only'], {
    cwd: appDir,
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, PORT: String(port), LEAD_DESK_JWT_SECRET: 'host-example-test-secret-0123456789' },
    timeout: 120_000,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`the host example printed no result:\n${stdout}`);
  return JSON.parse(line) as HostExampleResult;
}
