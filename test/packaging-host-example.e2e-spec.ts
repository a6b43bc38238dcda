// Lead Desk as a package (issue 14): what `npm pack` ships (dist, migrations, the typed client; the peers a
// host shares declared as peerDependencies), and examples/host-app built from that tarball with the README's
// host snippets compiled beside it; on PostgreSQL runs the example also runs on a fresh database: an account
// and a token made in code, a lead in-process and one over HTTP.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { compileHostExample, prepareHostExample, runHostExample, type HostExample } from './packaging-host-example';
import { freePort, ROOT } from './support/server-process';
import { ADMIN_URL, RUN_DATABASE_ENV, withDatabase } from './support/test-database';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require('semver') as { satisfies(version: string, range: string): boolean };

const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  exports: Record<string, unknown>;
  files: string[];
};

/** The ```ts blocks of the README's host section: they must compile as they stand, in the example's project. */
export function readmeHostSnippets(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Use it from another NestJS service');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

const onPostgres = process.env[RUN_DATABASE_ENV] ? it : it.skip;
if (!process.env[RUN_DATABASE_ENV]) console.warn('packaging-host-example: running the example SKIPPED: it needs PostgreSQL (TEST_DATABASE=postgres); it is still built');

describe('the package a host installs', () => {
  it('declares what a host must share as peerDependencies on the NestJS 11 / TypeORM 0.3 lines, satisfied by what this repository installs', () => {
    const peers = PACKAGE.peerDependencies;
    expect(Object.keys(peers).sort()).toEqual(['@nestjs/common', '@nestjs/core', '@nestjs/platform-fastify', '@nestjs/typeorm', 'pg', 'reflect-metadata', 'rxjs', 'typeorm']);
    for (const name of ['@nestjs/common', '@nestjs/core', '@nestjs/platform-fastify', '@nestjs/typeorm']) expect(peers[name]).toMatch(/^\^11\./);
    expect(peers.typeorm).toMatch(/^\^0\.3\./);
    for (const [name, range] of Object.entries(peers)) {
      // Not also a dependency: npm would then install a private copy beside the host's instead of warning.
      expect({ name, dependency: PACKAGE.dependencies[name], dev: PACKAGE.devDependencies[name] }).toEqual({ name, dependency: undefined, dev: undefined });
      const installed = (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
      expect({ name, installed, satisfies: semver.satisfies(installed, range) }).toEqual({ name, installed, satisfies: true });
    }
    expect(PACKAGE.exports['./client']).toEqual({ types: './client/index.d.ts', default: './client/index.js' });
    expect(PACKAGE.files).toEqual(expect.arrayContaining(['dist', 'migrations', 'client']));
  });

  describe('examples/host-app from the packed tarball', () => {
    let workDir: string;
    let example: HostExample;
    const snippets = readmeHostSnippets();

    beforeAll(async () => {
      workDir = mkdtempSync(join(tmpdir(), 'leaddesk-host-example-'));
      example = await prepareHostExample(ROOT, workDir, Object.fromEntries(snippets.map((text, i) => [`readme-snippet-${i + 1}.ts`, text])));
    }, 120_000);
    afterAll(() => rmSync(workDir, { recursive: true, force: true }));

    it('the tarball holds the built code, the migrations and the typed client, and no tests', () => {
      expect(example.packedFiles).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/main.js', 'client/schema.d.ts', 'client/index.d.ts', 'package.json']));
      expect(example.packedFiles.some((f) => f.startsWith('migrations/'))).toBe(true);
      expect(example.packedFiles.filter((f) => /\.spec\.|^test\/|^src\//.test(f))).toEqual([]);
    });

    it('compiles, with the README host section\'s snippets beside it (they import nothing the example does not list)', async () => {
      expect(snippets.length).toBeGreaterThanOrEqual(2);
      const listed = Object.keys((JSON.parse(readFileSync(join(example.appDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
      for (const snippet of snippets) {
        for (const [, from] of snippet.matchAll(/from '([^'.][^']*)'/g)) {
          const pkg = from.startsWith('@') ? from.split('/').slice(0, 2).join('/') : from.split('/')[0];
          expect({ from, listed: listed.includes(pkg) }).toEqual({ from, listed: true });
        }
      }
      await compileHostExample(example.appDir, ROOT);
    }, 120_000);

    onPostgres('runs on a fresh PostgreSQL database: an account and a token in code, a lead in-process and one over HTTP', async () => {
      const database = `leaddesk_host_example_${Date.now()}_${process.pid}`;
      const admin = new PgClient({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${database}`);
      try {
        const result = await runHostExample(example.appDir, withDatabase(ADMIN_URL, database), await freePort());
        expect(result).toEqual({
          accountId: expect.stringMatching(/^\d+$/),
          inProcessLead: { id: expect.any(Number), createdBy: 'owner@host.example.com' },
          httpLead: { id: expect.any(Number), status: 201 },
          listed: ['Ada Lovelace', 'Grace Hopper'],
          hello: 'from the host',
        });
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await admin.end();
      }
    }, 180_000);
  });
});
