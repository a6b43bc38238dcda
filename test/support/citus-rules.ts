import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** docs/scale-out.md: the plan the catalog is checked against. */
export const SCALE_OUT_DOC = join(__dirname, '..', '..', 'docs', 'scale-out.md');

/**
 * The tables docs/scale-out.md names as not distributed by account_id (its table under "Reference and local
 * tables": `| \`name\` | reference or local | why |`), by name → kind.
 */
export function undistributedTables(doc = readFileSync(SCALE_OUT_DOC, 'utf8')): Map<string, string> {
  const section = /^## Reference and local tables\s*$([\s\S]*?)(?=^## )/m.exec(doc)?.[1] ?? '';
  const out = new Map<string, string>();
  for (const [, name, kind] of section.matchAll(/^\|\s*`([\w.]+)`\s*\|\s*(reference|local)\b[^|]*\|/gm)) out.set(name, kind);
  return out;
}

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any[]>;
}

/**
 * Every way the public schema breaks the distribution rules (API.md section 14), one sentence each; empty when
 * it keeps them. A table with account_id, unless docs/scale-out.md lists it: account_id NOT NULL, in the primary
 * key, in every unique index (constraints and indexes alike) and every foreign key (matched to the referenced
 * table's account_id when that table is distributed too); `id` and the `*_id` columns of its keys are bigint,
 * never integer. A table without account_id must be listed. Partitions are checked through their parent.
 */
export async function citusViolations(db: Queryable, listed: Map<string, string>): Promise<string[]> {
  const tables: { name: string; oid: number; account: number | null; notnull: boolean | null }[] = await db.query(`
    SELECT c.relname AS name, c.oid::int AS oid, a.attnum::int AS account, a.attnotnull AS notnull
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
      LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'account_id' AND NOT a.attisdropped
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
     ORDER BY c.relname`);
  const distributed = new Map(tables.filter((t) => t.account !== null && !listed.has(t.name)).map((t) => [t.oid, t]));
  const problems: string[] = [];
  for (const t of tables) {
    if (listed.has(t.name)) continue;
    if (t.account === null) {
      problems.push(`${t.name}: no account_id, and docs/scale-out.md does not list it as a reference or local table`);
      continue;
    }
    if (!t.notnull) problems.push(`${t.name}: account_id is nullable`);
  }
  const keys: { table: string; oid: number; name: string; kind: string; cols: number[]; refoid: number | null; refcols: number[] | null }[] = await db.query(`
    SELECT c.relname AS table, c.oid::int AS oid, i.relname AS name, CASE WHEN x.indisprimary THEN 'primary key' ELSE 'unique index' END AS kind,
           (SELECT array_agg(k::int) FROM unnest(x.indkey) AS k) AS cols, NULL::int AS refoid, NULL::int[] AS refcols
      FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
     WHERE (x.indisunique OR x.indisprimary) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    UNION ALL
    SELECT c.relname, c.oid::int, k.conname, 'foreign key', (SELECT array_agg(v::int) FROM unnest(k.conkey) AS v), k.confrelid::int,
           (SELECT array_agg(v::int) FROM unnest(k.confkey) AS v)
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
     WHERE k.contype = 'f' AND NOT c.relispartition`);
  for (const t of distributed.values()) {
    const own = keys.filter((k) => k.oid === t.oid);
    if (!own.some((k) => k.kind === 'primary key')) problems.push(`${t.name}: no primary key`);
    for (const k of own) {
      const at = k.cols.indexOf(t.account!);
      if (at < 0) {
        problems.push(`${t.name}: ${k.kind} ${k.name} does not include account_id`);
        continue;
      }
      const referenced = k.refoid === null ? undefined : distributed.get(k.refoid);
      if (referenced && k.refcols![at] !== referenced.account) problems.push(`${t.name}: foreign key ${k.name} does not match account_id to ${referenced.name}.account_id`);
    }
  }
  const narrowIds: { table: string; oid: number; column: string; type: string }[] = await db.query(`
    SELECT c.relname AS table, c.oid::int AS oid, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
       AND a.atttypid IN ('int2'::regtype, 'int4'::regtype)
       AND (a.attname = 'id' OR (a.attname LIKE '%\\_id' AND EXISTS (
             SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u', 'f') AND a.attnum = ANY (k.conkey))))`);
  for (const n of narrowIds) if (distributed.has(n.oid)) problems.push(`${n.table}.${n.column}: ${n.type}, not bigint`);
  return problems;
}
