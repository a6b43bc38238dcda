/**
 * Raw SQL with named parameters, and the registry of every raw statement Lead Desk runs.
 *
 * A statement is written with `:name` placeholders (PostgreSQL's `::type` casts are left alone) and compiled
 * once into `$1..$n` text plus the order of its names; `bind` turns an object of values into the positional
 * array node-postgres takes, and fails loudly when a name has no value. No more `planAt + 4` arithmetic.
 *
 * Every statement is registered under `<feature>/<name>` when it is defined, so `npm run sql:snapshot` can
 * write the texts to `queries/<feature>.sql` and a test can fail when the committed text and the code differ:
 * a reviewer sees each change of a statement in the diff (as Immich does with its `queries/*.sql`).
 */

/** A compiled statement: its text with `$n` placeholders and the parameter names in their order. */
export interface NamedStatement<P extends object> {
  /** `<feature>/<name>`, unique; also the prepared-statement key. */
  readonly id: string;
  /** The text with `$1..$n`, as PostgreSQL receives it. */
  readonly text: string;
  /** Parameter names, `$1` first. */
  readonly names: readonly (keyof P & string)[];
  /** The positional values for these named values. */
  bind(values: P): unknown[];
}

const registry = new Map<string, NamedStatement<object>>();

/** Names start with a letter; `::type` casts and `:=` are not placeholders. */
const PLACEHOLDER = /'(?:[^']|'')*'|"(?:[^"]|"")*"|::|:([A-Za-z][A-Za-z0-9_]*)/g;

/** Compiles `:name` placeholders into `$n` (the same name always the same `$n`); quoted text is left alone. */
export function compileNamed(text: string): { text: string; names: string[] } {
  const names: string[] = [];
  const compiled = text.replace(PLACEHOLDER, (match, name: string | undefined) => {
    if (name === undefined) return match;
    let at = names.indexOf(name);
    if (at < 0) at = names.push(name) - 1;
    return `$${at + 1}`;
  });
  return { text: compiled, names };
}

/**
 * Defines (and registers) a statement. `id` is `<feature>/<name>`: the feature names the snapshot file.
 * A statement whose text depends on a shape (a batch of n rows) is defined once per shape with a suffix in
 * its id; only ids listed by the feature's snapshot are compared, so define the representative shapes there.
 */
export function defineSql<P extends object>(id: string, text: string): NamedStatement<P> {
  if (!/^[a-z0-9-]+\/[A-Za-z0-9_.-]+$/.test(id)) throw new Error(`SQL id "${id}" must be "<feature>/<name>"`);
  const existing = registry.get(id);
  const compiled = compileNamed(text.trim());
  if (existing) {
    if (existing.text !== compiled.text) throw new Error(`SQL id "${id}" is defined twice with different texts`);
    return existing as NamedStatement<P>;
  }
  const names = compiled.names as (keyof P & string)[];
  const statement: NamedStatement<P> = {
    id,
    text: compiled.text,
    names,
    bind(values: P): unknown[] {
      return names.map((name) => {
        const value = (values as Record<string, unknown>)[name];
        if (value === undefined) throw new Error(`SQL ${id}: no value for :${name}`);
        return value;
      });
    },
  };
  registry.set(id, statement as NamedStatement<object>);
  return statement;
}

/** Every statement defined so far (the snapshot writer and test load the `*.queries.ts` files first). */
export function definedStatements(): NamedStatement<object>[] {
  return [...registry.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** The committed snapshot text of one feature: each statement under a `-- <id>` line, in id order. */
export function snapshotOf(feature: string): string {
  return definedStatements()
    .filter((s) => s.id.startsWith(`${feature}/`))
    .map((s) => `-- ${s.id}\n${s.text}\n`)
    .join('\n');
}
