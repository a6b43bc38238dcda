import { LEAD_COLUMNS } from './dto/lead.dto';

/**
 * The SQL of GET /leads, in one place: the service runs it and test/leads-explain.e2e-spec.ts EXPLAINs
 * exactly what it builds.
 *
 * Every statement is `WHERE account_id = $1 AND <filters> [AND (created_at, id) < <cursor>]
 * ORDER BY created_at DESC, id DESC LIMIT n`: one range walk of a keyset index led by account_id
 * (migrations/1764250300000-LeadSearch.js), so a page costs the same at the millionth lead as at the first.
 *
 * `q` has no index that is both ordered by created_at and able to find a substring, so it runs in up to two
 * steps, each bounded:
 * - `walk`: the newest rows that pass the other filters, read along the keyset index and tested one by one,
 *   at most 200 per row of the page (5,200 for a page of 25). A common term fills the page within a few
 *   hundred rows.
 * - `trigram`: only when the walk's window filled up without filling the page (the term matches fewer than
 *   1 lead in 200 of the recent ones): every match found through the pg_trgm GIN index, then sorted; such a
 *   term has few matches. So a search costs at most the window's walk plus a sort of a rare term's matches.
 *   (Worst case: a term rare among recent leads but common among old ones, which sorts many matches.)
 * A term without three letters or digits in a row gives pg_trgm nothing to look up, so it only walks
 * (without a window).
 */

/**
 * The five searchable fields, lower-cased, joined by U+001F. Character for character the expression of
 * `leads_search_trgm_idx`: the planner uses an expression index only for the same expression.
 */
export const LEAD_SEARCH_TEXT = `lower(coalesce(first_name, '') || E'\\x1f' || coalesce(last_name, '') || E'\\x1f' || coalesce(email, '')
  || E'\\x1f' || coalesce(company, '') || E'\\x1f' || coalesce(phone, ''))`;

/** The cursor's created_at: text with the column's full (microsecond) precision, which a JS Date would lose. */
const cursorCreatedAt = (table = '') => `to_char(${table}created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** LEAD_COLUMNS of the table aliased `l`. */
const LEAD_COLUMNS_OF_L = LEAD_COLUMNS.split(',')
  .map((column) => `l.${column.trim()}`)
  .join(', ');

/** The shape of cursorCreatedAt(), checked again when a cursor comes back. */
export const CURSOR_CREATED_AT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Rows the walk reads per row of a page before the trigram index takes over (see walkWindow). */
export const WALK_ROWS_PER_PAGE_ROW = 200;

/** No window: the walk for terms that pg_trgm cannot look up goes on until the page is full. */
const UNBOUNDED = 2_147_483_647;

/**
 * Planner settings for the trigram step, set for its transaction only: no walk along a created_at index
 * (which would read the whole account for a rare term) and no sequential scan; bitmap scans remain.
 */
export const TRIGRAM_STEP_SETTINGS = `SELECT set_config('enable_indexscan', 'off', true), set_config('enable_seqscan', 'off', true)`;

export interface LeadListFilters {
  accountId: string;
  /** null: archived and live leads alike */
  archived: boolean | null;
  teamId?: number;
  leadSourceId?: number;
  assignedTo?: string;
  processStage?: string;
  createdBy?: string;
  /** Instants as PostgreSQL reads them exactly (ISO 8601 with a zone), microseconds kept */
  createdFrom?: string;
  createdTo?: string;
  q?: string;
  /** The last row of the previous page */
  after?: { createdAt: string; id: number };
}

export type LeadListStep = 'keyset' | 'walk' | 'trigram';

export interface Statement {
  text: string;
  params: unknown[];
}

/** A row of any step: the lead's columns, its cursor key, and for the walk whether it matched and where it was. */
export interface LeadListSqlRow {
  cursor_created_at: string;
  hit?: boolean;
  pos?: string;
}

/** Whether pg_trgm can look `q` up: it needs a run of three letters or digits (a trigram of a word). */
export function trigramSearchable(q: string): boolean {
  return /[\p{L}\p{N}]{3}/u.test(q);
}

/** Which steps answer a list: `keyset` alone without q; with q, `walk`, then `trigram` if the walk's window filled. */
export function leadListSteps(f: LeadListFilters): LeadListStep[] {
  if (f.q === undefined) return ['keyset'];
  return trigramSearchable(f.q) ? ['walk', 'trigram'] : ['walk'];
}

/** How many rows the walk reads before giving way to the trigram step; unbounded when there is no trigram step. */
export function walkWindow(f: LeadListFilters, limit: number): number {
  return leadListSteps(f).includes('trigram') ? WALK_ROWS_PER_PAGE_ROW * (limit + 1) : UNBOUNDED;
}

/** `q` for a LIKE pattern: its `\`, `%` and `_` taken literally (LIKE's default escape character is `\`). */
export function escapeLike(q: string): string {
  return q.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The statement of one step, fetching `limit + 1` rows (the extra one says whether there is a next page);
 * the walk also returns the window's last row (`pos` = window) when it reaches it, matched or not.
 */
export function leadListStatement(f: LeadListFilters, step: LeadListStep, limit: number): Statement {
  const params: unknown[] = [f.accountId];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = ['account_id = $1'];
  if (f.archived !== null) where.push(`archived = ${bind(f.archived)}`);
  if (f.teamId !== undefined) where.push(`team_id = ${bind(f.teamId)}`);
  if (f.leadSourceId !== undefined) where.push(`lead_source_id = ${bind(f.leadSourceId)}`);
  if (f.assignedTo !== undefined) where.push(`assigned_to = ${bind(f.assignedTo)}`);
  if (f.processStage !== undefined) where.push(`process_stage = ${bind(f.processStage)}`);
  if (f.createdBy !== undefined) where.push(`created_by = ${bind(f.createdBy)}`);
  if (f.createdFrom !== undefined) where.push(`created_at >= ${bind(f.createdFrom)}::timestamptz`);
  if (f.createdTo !== undefined) where.push(`created_at < ${bind(f.createdTo)}::timestamptz`);
  if (f.after) where.push(`(created_at, id) < (${bind(f.after.createdAt)}::timestamptz, ${bind(f.after.id)})`);
  const order = 'ORDER BY created_at DESC, id DESC';
  const columns = `${LEAD_COLUMNS}, ${cursorCreatedAt()} AS cursor_created_at`;

  if (step === 'keyset') {
    return { text: `SELECT ${columns} FROM leads WHERE ${where.join(' AND ')} ${order} LIMIT ${bind(limit + 1)}`, params };
  }
  if (f.q === undefined) throw new Error(`the ${step} step needs q`);
  // Lower-cased in SQL, as the indexed text is, so both sides use the database's idea of lower case.
  const matches = `${LEAD_SEARCH_TEXT} LIKE '%' || lower(${bind(escapeLike(f.q))}) || '%'`;
  if (step === 'trigram') {
    return { text: `SELECT ${columns} FROM leads WHERE ${where.join(' AND ')} AND ${matches} ${order} LIMIT ${bind(limit + 1)}`, params };
  }
  // The inner LIMIT keeps the walk on the keyset index (and bounded), the outer one stops it at a full page.
  // The walk reads only what it tests; the whole row is fetched for the few rows returned.
  const window = bind(walkWindow(f, limit));
  return {
    text: `SELECT ${LEAD_COLUMNS_OF_L}, ${cursorCreatedAt('l.')} AS cursor_created_at, s.hit, s.pos FROM (
             SELECT w.*, row_number() OVER (${order}) AS pos FROM (
               SELECT id, created_at, ${matches} AS hit FROM leads WHERE ${where.join(' AND ')} ${order} LIMIT ${window}
             ) w
           ) s
           JOIN leads l ON l.account_id = $1 AND l.id = s.id
           WHERE s.hit OR s.pos = ${window}
           ORDER BY s.created_at DESC, s.id DESC LIMIT ${bind(limit + 2)}`,
    params,
  };
}
