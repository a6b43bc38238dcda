/** Writes every feature's raw statements to queries/<feature>.sql (see src/database/sql-snapshots.ts). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadQueryFiles, snapshots, SNAPSHOT_DIR } from '../src/database/sql-snapshots';

const root = join(__dirname, '..');
loadQueryFiles(join(root, 'src'));
const dir = join(root, SNAPSHOT_DIR);
mkdirSync(dir, { recursive: true });
const files = snapshots();
for (const stale of readdirSync(dir).filter((f) => f.endsWith('.sql') && !files.has(f))) rmSync(join(dir, stale));
for (const [name, text] of files) writeFileSync(join(dir, name), text);
console.log(`wrote ${[...files.keys()].map((f) => `${SNAPSHOT_DIR}/${f}`).join(', ')}`);
