import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadQueryFiles, REGENERATE, snapshots, SNAPSHOT_DIR } from './sql-snapshots';

/** The committed queries/*.sql are exactly the statements the code runs: a changed statement shows in the diff. */
describe('SQL snapshots (queries/*.sql)', () => {
  const root = join(__dirname, '..', '..');
  const files = loadQueryFiles(join(root, 'src'));
  const expected = snapshots();
  const committed = existsSync(join(root, SNAPSHOT_DIR)) ? readdirSync(join(root, SNAPSHOT_DIR)).filter((f) => f.endsWith('.sql')) : [];

  it('finds the query files and their statements', () => {
    expect(files.length).toBeGreaterThan(0);
    expect([...expected.keys()]).toEqual(expect.arrayContaining(['audit.sql', 'leads.sql', 'rotations.sql']));
  });

  it.each([...expected.keys()])('%s matches the code', (name) => {
    const path = join(root, SNAPSHOT_DIR, name);
    const text = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (text !== expected.get(name)) {
      throw new Error(`${SNAPSHOT_DIR}/${name} ${text === null ? 'is missing' : 'differs from the statements in the code'}: run \`${REGENERATE}\` and commit ${SNAPSHOT_DIR}/`);
    }
  });

  it('has no snapshot of a feature without statements', () => {
    const stale = committed.filter((f) => !expected.has(f));
    if (stale.length > 0) throw new Error(`${stale.join(', ')} in ${SNAPSHOT_DIR}/ match no statement: run \`${REGENERATE}\` and commit ${SNAPSHOT_DIR}/`);
  });
});
