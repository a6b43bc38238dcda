import fc from 'fast-check';

/**
 * Hostile requests generated from the app's own OpenAPI document: every route it lists, with bodies, query
 * strings, headers and path ids drawn from the schemas (valid values) and their neighbours (wrong types,
 * out-of-range numbers, odd unicode, SQL fragments, prototype keys, deep nesting, huge strings...).
 *
 * Generation is imperative over fast-check's `fc.gen()`, so a run is reproducible from its seed. Ids and
 * emails are drawn as indices into pools filled from the database, so the same seed makes the same choices
 * whatever the actual ids of a run are.
 */

export type Gen = fc.GeneratorValue;
type Schema = Record<string, any>;

export interface FuzzRoute {
  method: string;
  /** OpenAPI path template, e.g. `/teams/{teamId}/lead-sources` */
  path: string;
  pathParams: Schema[];
  queryParams: Schema[];
  headerParams: Schema[];
  bodySchema?: Schema;
  /** Whether the route takes `x-account-id` (account-scoped) */
  accountScoped: boolean;
}

/** Kinds of ids the pools hold; unknown kinds (routes added later) draw from all of them. */
export const ID_KINDS = ['accounts', 'teams', 'lead-sources', 'rotations', 'leads', 'api-keys', 'audit-logs'] as const;
export type IdKind = (typeof ID_KINDS)[number] | 'email' | 'any';

export interface Principal {
  label: string;
  /** The Authorization header, or undefined to send none */
  authorization?: string;
  /** Credentials of the other account: only ever sent with the first account's x-account-id */
  otherAccount?: boolean;
}

/** What the generator may refer to: the caller's account ("own") and the other account ("other"). */
export interface FuzzWorld {
  ownAccount: string;
  otherAccount: string;
  ids: Record<(typeof ID_KINDS)[number], { own: string[]; other: string[] }>;
  emails: { own: string[]; other: string[] };
  principals: { weight: number; principal: Principal }[];
}

/** The world plus this request's share of hostile field values (0: a body valid per the schema). */
type GenContext = FuzzWorld & { hostility: number };

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  principal: string;
}

// ---------------------------------------------------------------- the document

export function routesOf(doc: Schema): FuzzRoute[] {
  const routes: FuzzRoute[] = [];
  for (const [path, item] of Object.entries<Schema>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<Schema>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params: Schema[] = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => resolve(doc, p));
      const body = op.requestBody ? resolve(doc, op.requestBody) : undefined;
      const json = body?.content?.['application/json']?.schema;
      routes.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ ...p, schema: inline(doc, p.schema) })),
        queryParams: params.filter((p) => p.in === 'query').map((p) => ({ ...p, schema: inline(doc, p.schema) })),
        headerParams: params.filter((p) => p.in === 'header' && p.name.toLowerCase() !== 'x-account-id').map((p) => ({ ...p, schema: inline(doc, p.schema) })),
        bodySchema: json ? inline(doc, json) : undefined,
        accountScoped: params.some((p) => p.in === 'header' && p.name.toLowerCase() === 'x-account-id'),
      });
    }
  }
  return routes;
}

/** Follows `$ref`s and single-element `allOf`s (how @nestjs/swagger wraps an enum or a nested DTO). */
export function resolve(doc: Schema, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; i < 20; i++) {
    if (s.$ref) {
      const target = s.$ref.replace(/^#\//, '').split('/').reduce((o: Schema, k: string) => o?.[k], doc);
      const { $ref: _ref, ...rest } = s;
      s = { ...target, ...rest };
    } else if (Array.isArray(s.allOf) && s.allOf.length === 1) {
      const { allOf, ...rest } = s;
      s = { ...resolve(doc, allOf[0]), ...rest };
    } else return s;
  }
  return s;
}

/** The schema with every `$ref` inside it resolved (nested DTOs, enums), down to a depth that ends cycles. */
export function inline(doc: Schema, schema: Schema | undefined, depth = 0): Schema {
  const s = resolve(doc, schema);
  if (depth > 8) return s;
  const out: Schema = { ...s };
  if (s.properties) out.properties = Object.fromEntries(Object.entries<Schema>(s.properties).map(([k, v]) => [k, inline(doc, v, depth + 1)]));
  if (s.items) out.items = inline(doc, s.items, depth + 1);
  return out;
}

/** Which pool a parameter or field named `name` in `path` draws its ids from. */
export function idKindOf(name: string, path = ''): IdKind | undefined {
  const n = name.toLowerCase();
  if (['email', 'user', 'assignedto', 'createdby'].includes(n)) return 'email';
  const byName: Record<string, IdKind> = {
    teamid: 'teams',
    leadsourceid: 'lead-sources',
    rotationid: 'rotations',
    leadid: 'leads',
    apikeyid: 'api-keys',
    keyid: 'api-keys',
    accountid: 'accounts',
    entityid: 'any',
  };
  if (byName[n]) return byName[n];
  if (n === 'id') {
    const segments = path.split('/').filter(Boolean);
    const before = segments[segments.indexOf(`{${name}}`) - 1];
    return (ID_KINDS as readonly string[]).includes(before) ? (before as IdKind) : 'any';
  }
  return n.endsWith('id') ? 'any' : undefined;
}

// ---------------------------------------------------------------- random helpers

// Decisions draw without fast-check's bias towards small values, so the weights below are the real odds.
const uniform = (g: Gen, max: number): number => g((m: number) => fc.noBias(fc.nat(m)), max);
const pick = <T>(g: Gen, items: readonly T[]): T => items[uniform(g, items.length - 1)];
const chance = (g: Gen, p: number): boolean => uniform(g, 9999) < p * 10000;
function weighted<T>(g: Gen, options: [number, T][]): T {
  const total = options.reduce((s, [w]) => s + w, 0);
  let r = uniform(g, total - 1);
  for (const [w, v] of options) {
    if (r < w) return v;
    r -= w;
  }
  return options[options.length - 1][1];
}

// ---------------------------------------------------------------- hostile values

export const MIB = 1024 * 1024;
/** A string that alone makes a body larger than the 1 MiB limit. */
const HUGE = 'x'.repeat(MIB + 100 * 1024);
const DEEP_ARRAY = '['.repeat(5000) + ']'.repeat(5000);
const DEEP_OBJECT = '{"a":'.repeat(3000) + '1' + '}'.repeat(3000);
const DEEP_SHALLOWER = '{"a":'.repeat(200) + '[' + '"x",'.repeat(10) + '"x"]' + '}'.repeat(200);

/** Numbers as raw JSON text: JSON.stringify cannot write most of these. */
const RAW_NUMBERS = [
  '1e309', '-1e309', '9223372036854775808', '9223372036854775807', '-9223372036854775809', '18446744073709551616',
  '2147483648', '2147483647', '-2147483649', '4294967296', '9007199254740992', '9007199254740993', '-0', '0', '-1', '0.5',
  '1.0', '1e2', '1E-7', '123456789012345678901234567890', '0.000000000000000000001', '5e-324', '1.7976931348623157e308',
];

export const HOSTILE_STRINGS = [
  '', ' ', '\t\n', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '\u202eevil\u202c', '\u200b', '\u200b\u200d\u2060', '\ufeff',
  '\u0301\u0301\u0301', 'Z\u0335\u0321\u032a\u0347a\u0337l\u0337g\u0337o', '\u{1F469}\u200d\u{1F469}\u200d\u{1F467}', '\u05e9\u05dc\u05d5\u05dd', '\u0645\u0631\u062d\u0628\u0627',
  'NaN', 'Infinity', '-Infinity', '-0', '1e309', '9223372036854775808', '0x1F', '1_000', ' 1', '1 ', '+1', '01', '1.5',
  'null', 'true', 'false', 'undefined', '[object Object]', '{}', '[]',
  "' OR '1'='1", "1; DROP TABLE leads; --", "' UNION SELECT email, role FROM memberships --", "%' OR 1=1 --", "\\'; SELECT pg_sleep(5); --",
  '$1', '\\', '%', '_', '%00', '${jndi:ldap://127.0.0.1/a}', '{{7*7}}', '<script>alert(1)</script>', '../../../../etc/passwd',
  '__proto__', 'constructor', 'prototype', 'a'.repeat(256), '\u00e9'.repeat(256), '\u{1D518}'.repeat(300), 'a'.repeat(2049),
  'a'.repeat(10001), 'a'.repeat(70000), 'user@example.com', 'USER@EXAMPLE.COM', 'a@b', '@example.com', 'javascript:alert(1)',
  'http://127.0.0.1:5432/', 'file:///etc/passwd', 'http://169.254.169.254/latest/meta-data/', '2024-02-30T00:00:00Z', '2024-01-01', '99999-01-01T00:00:00Z',
];

const UNKNOWN_KEYS = [
  'id', 'accountId', 'account_id', 'createdAt', 'updatedAt', 'position', 'auditLog', 'apiKey', 'keyHash', 'isAdmin', 'role ',
  'hasOwnProperty', 'toString', 'valueOf', 'constructor', '', ' ', '\u0000', 'a'.repeat(300), 'nextUser', 'members_version',
];

/** Whole request bodies that are not a JSON object at all. */
const ODD_BODIES: (string | undefined)[] = [
  undefined, '', ' ', 'null', '[]', '[{}]', '"text"', '0', 'true', '{', '{"a":}', "{'a':1}", '{"a":1,}', 'NaN', '{"a":NaN}', '{"a":undefined}',
  '\u0000', '\ufeff{}', '{"__proto__":{"isAdmin":true}}', '{"constructor":{"prototype":{"isAdmin":true}}}',
  '{"a":{"__proto__":{"x":1}}}', DEEP_ARRAY, DEEP_OBJECT, DEEP_SHALLOWER, `{"name":"${HUGE}"}`, '1e309', '{"a":1}{"b":2}', '{"a":1} trailing',
];

const ODD_CONTENT_TYPES = [
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16',
  'APPLICATION/JSON', 'application/jsonx', 'application/json, text/plain', 'application/xml', '*/*', 'application/json;;;',
];

/** Path segments, already percent-encoded as a client would send them (some deliberately malformed). */
const HOSTILE_SEGMENTS = [
  '0', '-1', '-0', '1e309', '9223372036854775808', '9223372036854775807', '2147483648', '2147483647', '4294967296', '1.5', '1.0', '01',
  '%201', '1%20', '%EF%BC%91', 'abc', 'null', 'undefined', 'NaN', 'Infinity', '%00', '1%00', '%2e%2e', '..%2F..%2Fetc%2Fpasswd',
  "'%20OR%20'1'='1", '1%3BDROP%20TABLE%20leads', '%25', '%ZZ', '%', '%C0%80', '%ED%A0%80', '%F0%9F%98%80', '%E2%80%AE1', '%E2%80%8B1',
  '__proto__', 'constructor', 'a'.repeat(3000), '1'.repeat(400), '%40', 'a%40b', 'USER%40EXAMPLE.COM', '%20', '%2F', '1%2C2', '1;2', '1,2', '[]',
];

/** Query values, already encoded. */
const HOSTILE_QUERY_VALUES = [...HOSTILE_SEGMENTS, '', '%26a%3D1', 'true', 'false', 'TRUE', '1', 'all', '%5B%5D', '9'.repeat(400), 'a'.repeat(5000)];

function hostileString(g: Gen): string {
  return weighted(g, [
    [12, () => pick(g, HOSTILE_STRINGS)],
    [3, () => g(fc.string, { unit: 'binary', maxLength: 40 })],
    [2, () => g(fc.string, { unit: 'grapheme', maxLength: 40 })],
    [1, () => (chance(g, 0.5) ? HUGE : pick(g, HOSTILE_STRINGS) + pick(g, HOSTILE_STRINGS))],
  ])();
}

/** A JSON text of the wrong kind for `schema`, or of the right kind with a value out of bounds. */
function hostileJson(g: Gen, schema: Schema, name: string, world: GenContext, depth: number): string {
  return weighted(g, [
    [30, () => pick(g, RAW_NUMBERS)],
    [34, () => JSON.stringify(hostileString(g))],
    [10, () => pick(g, ['null', 'true', 'false', '[]', '{}', '[null]', '[1,2,3]', '{"a":1}', '[[[]]]', '{"":{"":{}}}'])],
    [8, () => `[${validJson(g, schema, name, world, depth + 1)}]`],
    [8, () => JSON.stringify(validJson(g, schema, name, world, depth + 1))], // the valid value's text, as a string
    [2, () => pick(g, [DEEP_ARRAY, DEEP_OBJECT, DEEP_SHALLOWER])],
    [4, () => `{"__proto__":${validJson(g, schema, name, world, depth + 1)}}`],
    [4, () => JSON.stringify(idFor(g, 'any', world, true))],
  ])();
}

// ---------------------------------------------------------------- valid values

function idFor(g: Gen, kind: IdKind, world: GenContext, other = false): string {
  if (kind === 'email') {
    const pool = other || world.emails.own.length === 0 ? world.emails.other : world.emails.own;
    return pick(g, pool);
  }
  const kinds = kind === 'any' ? ID_KINDS : [kind];
  const k = pick(g, kinds) as (typeof ID_KINDS)[number];
  const pool = other ? world.ids[k].other : world.ids[k].own;
  if (pool.length === 0) return String(g(fc.integer, { min: 1, max: 50 }));
  const id = pick(g, pool);
  return chance(g, 0.05) ? String(Number(id) + pick(g, [-1, 1])) : id; // a neighbour
}

function emailFor(g: Gen, world: GenContext): string {
  return weighted(g, [
    [5, () => idFor(g, 'email', world)],
    [2, () => idFor(g, 'email', world, true)],
    [3, () => `fz-${g(fc.nat, 99999)}@example.com`],
    [1, () => `FZ-${g(fc.nat, 999)}@Example.COM`],
  ])();
}

function validJson(g: Gen, raw: Schema, name: string, world: GenContext, depth: number): string {
  const schema = raw;
  if (schema.nullable && chance(g, 0.08)) return 'null';
  if (schema.enum) return JSON.stringify(pick(g, schema.enum));
  const kind = idKindOf(name);
  const type = schema.type ?? (schema.properties ? 'object' : schema.items ? 'array' : 'string');
  switch (type) {
    case 'object':
      return objectJson(g, schema, world, depth);
    case 'array': {
      const min = schema.minItems ?? 0;
      const max = Math.min(schema.maxItems ?? 5, min + 4);
      const n = g(fc.integer, { min, max });
      return `[${Array.from({ length: n }, () => valueJson(g, schema.items ?? {}, name, world, depth + 1)).join(',')}]`;
    }
    case 'boolean':
      return String(g(fc.boolean));
    case 'integer':
    case 'number': {
      if (kind && kind !== 'email') return chance(g, 0.8) ? idFor(g, kind, world, chance(g, 0.3)) : String(g(fc.integer, { min: 1, max: 100 }));
      const min = schema.minimum ?? -1000;
      const max = Math.min(schema.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER);
      const edge = [min, max, min + 1, max - 1].filter((n) => n >= min && n <= max);
      return String(chance(g, 0.2) ? pick(g, edge) : g(fc.integer, { min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }));
    }
    default: {
      if (kind === 'email' || schema.format === 'email') return JSON.stringify(emailFor(g, world));
      if (kind) return JSON.stringify(idFor(g, kind, world, chance(g, 0.3)));
      if (schema.format === 'date-time') {
        const ms = g(fc.integer, { min: 0, max: 4_102_444_800_000 });
        return JSON.stringify(chance(g, 0.8) ? new Date(ms).toISOString() : new Date(ms).toISOString().replace('Z', pick(g, ['+05:30', '-11:00', '+00:00'])));
      }
      if (schema.format === 'uri') return JSON.stringify(`${pick(g, ['https', 'http'])}://example.com/${g(fc.nat, 9999)}.png`);
      const maxLength = Math.min(schema.maxLength ?? 60, 60);
      const minLength = Math.min(schema.minLength ?? 1, maxLength);
      const text = g(fc.string, { unit: chance(g, 0.7) ? 'grapheme-ascii' : 'grapheme', minLength, maxLength });
      return JSON.stringify(schema.pattern === '\\S' && !/\S/.test(text) ? `x${text}`.slice(0, maxLength) : text);
    }
  }
}

function valueJson(g: Gen, schema: Schema, name: string, world: GenContext, depth: number): string {
  if (depth > 6) return 'null';
  return chance(g, world.hostility) ? hostileJson(g, schema, name, world, depth) : validJson(g, schema, name, world, depth);
}

function objectJson(g: Gen, schema: Schema, world: GenContext, depth: number): string {
  const required = new Set<string>(schema.required ?? []);
  const entries: [string, string][] = [];
  for (const [name, prop] of Object.entries<Schema>(schema.properties ?? {})) {
    // References to other records (teamId, assignedTo...) less often: each one present is one more way to a 400.
    const odds = required.has(name) ? 0.95 : idKindOf(name) ? 0.25 : 0.45;
    if (chance(g, odds)) entries.push([name, valueJson(g, prop, name, world, depth + 1)]);
  }
  if (world.hostility > 0) {
    if (chance(g, 0.1)) entries.push([pick(g, UNKNOWN_KEYS), valueJson(g, {}, 'x', world, depth + 1)]);
    if (chance(g, 0.04) && entries.length > 0) entries.push([entries[0][0], hostileJson(g, {}, entries[0][0], world, depth + 1)]); // duplicate key
    if (chance(g, 0.03)) entries.push(['__proto__', pick(g, ['{"isAdmin":true}', '{}', 'null', '1'])]);
  }
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

// ---------------------------------------------------------------- whole requests

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** encodeURIComponent that also sends lone surrogates (as their WTF-8 bytes) instead of throwing. */
export function encodeLoose(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(LONE_SURROGATE)) {
    const c = m[0].charCodeAt(0);
    out += encodeURIComponent(text.slice(last, m.index)) + [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    last = m.index! + 1;
  }
  return out + encodeURIComponent(text.slice(last));
}

function segmentFor(g: Gen, param: Schema, path: string, world: GenContext): string {
  const kind = idKindOf(param.name, path) ?? 'any';
  return weighted(g, [
    [55, () => encodeLoose(kind === 'email' ? emailFor(g, world) : kind === 'accounts' ? world.ownAccount : idFor(g, kind, world))],
    [20, () => encodeLoose(kind === 'accounts' ? world.otherAccount : idFor(g, kind, world, true))],
    [25, () => pick(g, HOSTILE_SEGMENTS)],
  ])();
}

function queryValueFor(g: Gen, param: Schema, world: GenContext): string {
  const schema: Schema = param.schema ?? {};
  if (chance(g, world.hostility === 0 ? 0.05 : 0.5)) {
    return chance(g, 0.8) ? pick(g, HOSTILE_QUERY_VALUES) : encodeLoose(hostileString(g).slice(0, 3000));
  }
  const json = validJson(g, schema, param.name, world, 5);
  const value = JSON.parse(json);
  return encodeLoose(typeof value === 'string' ? value : json);
}

/** A header value the HTTP layer can carry (visible ASCII and Latin-1), however odd. */
function headerSafe(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}

function accountHeaderFor(g: Gen, world: GenContext): string | undefined {
  return weighted<() => string | undefined>(g, [
    [85, () => world.ownAccount],
    [4, () => undefined],
    [4, () => world.otherAccount],
    [2, () => '9000000000000001'],
    [2, () => pick(g, [` ${world.ownAccount}`, `0${world.ownAccount}`, `${world.ownAccount}.0`, `${world.ownAccount},${world.otherAccount}`, `+${world.ownAccount}`])],
    [3, () => headerSafe(pick(g, HOSTILE_STRINGS)).slice(0, 5000)],
  ])();
}

export function generateRequest(g: Gen, route: FuzzRoute, fuzzWorld: FuzzWorld): FuzzRequest {
  const world: GenContext = { ...fuzzWorld, hostility: weighted(g, [[35, 0], [25, 0.05], [25, 0.15], [15, 0.4]]) };
  // Another account's credentials only ever go with this account's x-account-id: elsewhere (GET /accounts)
  // they would rightly see their own account.
  const usable = world.principals.filter(({ principal }) => route.accountScoped || !principal.otherAccount);
  const principal = weighted(g, usable.map(({ weight, principal }) => [weight, principal] as [number, Principal]));
  const headers: Record<string, string> = {};
  if (principal.authorization !== undefined) headers.authorization = principal.authorization;
  if (route.accountScoped) {
    const account = principal.otherAccount ? world.ownAccount : accountHeaderFor(g, world);
    if (account !== undefined) headers['x-account-id'] = account;
  }

  let url = route.path;
  for (const p of route.pathParams) url = url.replace(`{${p.name}}`, segmentFor(g, p, route.path, world));

  const query: string[] = [];
  for (const p of route.queryParams) {
    if (!chance(g, p.required ? 0.95 : 0.4)) continue;
    query.push(`${encodeLoose(p.name)}=${queryValueFor(g, p, world)}`);
    if (chance(g, 0.08)) query.push(`${encodeLoose(p.name)}=${queryValueFor(g, p, world)}`); // duplicated
  }
  if (chance(g, 0.08)) {
    query.push(pick(g, ['foo=1', '__proto__=1', '__proto__%5BisAdmin%5D=true', 'constructor%5Bprototype%5D%5Bx%5D=1', 'a%00b=1', '=1', '&&', 'limit', '%ZZ=1']));
  }
  if (query.length > 0) url += `?${query.join('&')}`;

  for (const p of route.headerParams) {
    if (!chance(g, 0.5)) continue;
    headers[p.name.toLowerCase()] = chance(g, 0.6) ? `fz-${g(fc.nat, 40)}` : headerSafe(hostileString(g)).slice(0, 20000);
  }
  if (chance(g, 0.05)) {
    const [name, value] = pick(g, [
      ['x-forwarded-for', "127.0.0.1, ' OR 1=1"],
      ['x-request-id', headerSafe(pick(g, HOSTILE_STRINGS)).slice(0, 2000)],
      ['accept', 'text/html'],
      ['cookie', 'session=../../'],
      ['x-http-method-override', 'DELETE'],
      ['origin', 'https://evil.example'],
      ['x-api-key', 'ldk_bogus'],
    ] as const);
    headers[name] = value;
  }

  let payload: string | undefined;
  const wantsBody = route.bodySchema !== undefined || chance(g, 0.05);
  if (wantsBody) {
    if (chance(g, 0.12)) payload = pick(g, ODD_BODIES);
    else payload = route.bodySchema ? objectJson(g, route.bodySchema, world, 0) : '{"a":1}';
    if (payload !== undefined) headers['content-type'] = chance(g, 0.06) ? pick(g, ODD_CONTENT_TYPES) : 'application/json';
    else if (chance(g, 0.3)) headers['content-type'] = 'application/json';
  }
  return { method: route.method, url, headers, payload, principal: principal.label };
}
