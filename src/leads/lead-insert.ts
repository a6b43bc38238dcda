import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../audit/actor';
import { actorRecord } from '../audit/audit.queries';
import { sqlState, UNIQUE_VIOLATION } from '../common/filters/database-errors';
import { toAuditEntryDto } from '../audit/dto/audit-entry.dto';
import { preparedRows } from '../database/sql';
import { observeRotationTurn, rotationTurnsObserved } from '../metrics/rotation-turns';
import type { AssignmentPlan, DecidedTurns } from '../rotations/assignment.service';
import { type LeadDto, type LeadRow, toLeadDto } from './dto/lead.dto';
import { INPUT_COLUMNS, type LeadValues } from './lead-columns';
import type { MatchKeys } from './match-keys';
import { INSERT_LEADS, type InsertedLeadRow, type InsertGuardParams, type OneLeadParams } from './leads.queries';

/** One lead to insert: its values and who asks for it. */
export interface LeadToInsert {
  values: LeadValues;
  actor: Actor;
  /** Its match keys (src/leads/match-keys.ts); absent: none */
  keys?: MatchKeys;
  /** data.assignment of its `lead_created` entry, when it was assigned outside a turn of the statement (bulk, duplicate owner) */
  assignment?: Record<string, unknown>;
  /** The first-touch timer of the rotation that assigned it (API.md 10), when that rotation has one */
  firstTouch?: FirstTouch | null;
  /** Created under `reject`: it fences its match keys (FENCE_INDEXES) */
  fenced?: boolean;
}

/**
 * The unique partial indexes over the match keys of leads created under `reject` (migrations/1764279100000-
 * LeadRejectFence.js). A create under `reject` failing on one of them (23505) met a concurrent create of the
 * same key that committed first: its statement wrote nothing, and run again (the checked path) it sees that lead.
 */
export const FENCE_INDEXES: ReadonlySet<string> = new Set(['leads_email_fence_key', 'leads_phone_fence_key']);

/** A unique violation of a fence index (FENCE_INDEXES), and of nothing else. */
export function isFenceViolation(error: unknown): boolean {
  const e = error as { constraint?: unknown; driverError?: { constraint?: unknown } } | null;
  const constraint = e?.driverError?.constraint ?? e?.constraint;
  return sqlState(error) === UNIQUE_VIOLATION && typeof constraint === 'string' && FENCE_INDEXES.has(constraint);
}

/** A rotation's first-touch timer, as a lead it assigns carries it into the insert. */
export interface FirstTouch {
  rotationId: number;
  seconds: number;
}

/** The most leads one statement inserts. */
export const MAX_LEADS_PER_STATEMENT = 32;

/** The rules a statement run on its own checks for all its leads: they share team, source, skip and assignee. */
export type InsertGuard = InsertGuardParams;

/** The statement wrote some of its leads but not all (or rows it was not asked for): what committed is not known. */
export class UnexpectedInsertResult extends Error {
  constructor(expected: number, got: number) {
    super(`lead insert returned ${got} rows for ${expected} leads`);
  }
}

/** The values as the `lead_created` entry keeps them: what the lead will read back as. */
function auditValues(values: LeadValues): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [field] of INPUT_COLUMNS) data[field] = values[field];
  if (typeof values.lastContacted === 'string') data.lastContacted = new Date(values.lastContacted).toISOString();
  return data;
}

/** One lead as a record of the insert's input: its values by column, its match keys, what its entry keeps, and its actor. */
export function leadRecord({ values, actor, keys, assignment, firstTouch, fenced }: LeadToInsert): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [field, column] of INPUT_COLUMNS) record[column] = values[field];
  record.email_key = keys?.emailKey ?? null;
  record.phone_key = keys?.phoneKey ?? null;
  record.fenced = fenced === true;
  record.first_touch_seconds = firstTouch?.seconds ?? null;
  record.first_touch_rotation_id = firstTouch?.rotationId ?? null;
  const audit = auditValues(values);
  if (assignment) audit.assignment = assignment;
  record.audit_data = audit;
  return Object.assign(record, actorRecord(actor));
}

export function toInserted(row: InsertedLeadRow): LeadDto {
  const { entry, ord: _ord, ...leadRow } = row;
  const auditLog = [toAuditEntryDto({ ...entry, created_at: new Date(entry.created_at) })];
  return { ...toLeadDto(leadRow as LeadRow), auditLog };
}

/**
 * Inserts `leads` (all of one account) with their `lead_created` entries in ONE statement (`INSERT_LEADS`), in
 * their order. With `plan`, the plan's rotation takes their turns (lead i gets turn first + i); with `guard`,
 * the statement runs on its own and checks rules 1-5 and the plan's freshness itself (`db` is then the
 * DataSource: its own implicit transaction); without, the caller checked them in its transaction (`db` its
 * EntityManager). Null when nothing was written: a rule failed or the rotation changed since `plan` was made.
 *
 * Throws `UnexpectedInsertResult` when rows came back for some leads but not all: the statement is atomic, so
 * that cannot be a partial write, but it is not understood either, and a caller must not retry it blindly.
 */
export async function insertLeads(
  db: DataSource | EntityManager,
  accountId: string,
  leads: readonly LeadToInsert[],
  plan: AssignmentPlan | null,
  guard: InsertGuard | null,
  lockTimeout: string,
  decided: DecidedTurns | null = null,
): Promise<LeadDto[] | null> {
  // Metrics on: a statement taking a rotation's turn is timed, its row-lock wait included; off: one check.
  if ((!plan && !decided?.rotationId) || !rotationTurnsObserved()) return insertLeadsOnce(db, accountId, leads, plan, guard, lockTimeout, decided);
  const started = performance.now();
  try {
    const created = await insertLeadsOnce(db, accountId, leads, plan, guard, lockTimeout, decided);
    observeRotationTurn((performance.now() - started) / 1000, 'taken');
    return created;
  } catch (error) {
    observeRotationTurn((performance.now() - started) / 1000, (error as { code?: unknown }).code === '55P03' ? 'lock_timeout' : 'error');
    throw error;
  }
}

async function insertLeadsOnce(
  db: DataSource | EntityManager,
  accountId: string,
  leads: readonly LeadToInsert[],
  plan: AssignmentPlan | null,
  guard: InsertGuard | null,
  lockTimeout: string,
  decided: DecidedTurns | null,
): Promise<LeadDto[] | null> {
  const turn = plan && {
    rotationId: plan.rotationId,
    membersVersion: plan.membersVersion,
    users: plan.users,
    schedule: plan.schedule,
    how: JSON.stringify(plan.how ?? { rotationId: plan.rotationId, skipped: plan.skipped, fallbackFromTeamRotationId: plan.fallbackFromTeamRotationId }),
    lockTimeout,
  };
  // the timer of the rotation that takes the leads' turns, known from the plan: no read of its own
  const timer = plan ? timerOf(plan.rotationId, plan.firstTouchSeconds) : decided ? timerOf(decided.rotationId, decided.firstTouchSeconds) : null;
  if (timer) leads = leads.map((lead) => ({ ...lead, firstTouch: timer }));
  let rows: InsertedLeadRow[];
  if (decided) rows = await insertDecided(db, accountId, leads, guard, lockTimeout, decided);
  else if (leads.length === 1) {
    const one: OneLeadParams & { accountId: string } = { ...leadRecord(leads[0]), accountId };
    // jsonb parameters go as JSON text
    one.audit_data = JSON.stringify(one.audit_data);
    one.actor_request_headers = one.actor_request_headers === null ? null : JSON.stringify(one.actor_request_headers);
    const shapes = INSERT_LEADS.one;
    if (guard) rows = turn ? await preparedRows(db, shapes.guardedTurn, { ...one, ...guard, ...turn }) : await preparedRows(db, shapes.guarded, { ...one, ...guard });
    else rows = turn ? await preparedRows(db, shapes.turn, { ...one, ...turn }) : await preparedRows(db, shapes.plain, one);
  } else {
    // only leads of a busy team are batched: always through its rotation, always guarded
    if (!guard || !turn) throw new Error('a batch of leads is always guarded and takes turns');
    const records = JSON.stringify(leads.map((lead, ord) => ({ ord, ...leadRecord(lead) })));
    rows = await preparedRows(db, INSERT_LEADS.batch, { accountId, leads: records, ...guard, ...turn });
  }
  if (rows.length === 0) return null;
  if (rows.length !== leads.length) throw new UnexpectedInsertResult(leads.length, rows.length);
  const out: LeadDto[] = new Array(leads.length);
  for (const row of rows) {
    if (!(row.ord >= 0 && row.ord < leads.length) || out[row.ord]) throw new UnexpectedInsertResult(leads.length, rows.length);
    out[row.ord] = toInserted(row);
  }
  return out;
}

function timerOf(rotationId: number | null, seconds: number | null | undefined): FirstTouch | null {
  return rotationId !== null && seconds !== null && seconds !== undefined ? { rotationId, seconds } : null;
}

/** A lone lead's record as the named parameters of the one-lead shapes (jsonb parameters go as JSON text). */
function oneLeadParams(lead: LeadToInsert, accountId: string): OneLeadParams & { accountId: string } {
  const one: OneLeadParams & { accountId: string } = { ...leadRecord(lead), accountId };
  one.audit_data = JSON.stringify(one.audit_data);
  one.actor_request_headers = one.actor_request_headers === null ? null : JSON.stringify(one.actor_request_headers);
  return one;
}

/**
 * Leads whose assignees the routing engine decided from their rotation's state (`decided`): the turn, the
 * counters and the leads in one statement, written only while the rotation's position is the decided-from one;
 * or, when no rotation took them, the leads with their explanations.
 */
function insertDecided(db: DataSource | EntityManager, accountId: string, leads: readonly LeadToInsert[], guard: InsertGuard | null, lockTimeout: string, decided: DecidedTurns): Promise<InsertedLeadRow[]> {
  const hows = JSON.stringify(decided.explanations);
  const turn =
    decided.rotationId === null
      ? null
      : {
          rotationId: decided.rotationId,
          membersVersion: decided.membersVersion,
          fromPosition: String(decided.position),
          taken: decided.taken,
          counters: JSON.stringify(decided.counters),
          hows,
          lockTimeout,
        };
  if (leads.length === 1) {
    const one = oneLeadParams(leads[0], accountId);
    const shapes = INSERT_LEADS.one;
    if (guard) return turn ? preparedRows(db, shapes.guardedDecided, { ...one, ...guard, ...turn }) : preparedRows(db, shapes.guardedExplained, { ...one, ...guard, hows });
    return turn ? preparedRows(db, shapes.decided, { ...one, ...turn }) : preparedRows(db, shapes.explained, { ...one, hows });
  }
  if (!guard) throw new Error('a batch of leads is always guarded');
  const records = JSON.stringify(leads.map((lead, ord) => ({ ord, ...leadRecord(lead) })));
  return turn
    ? preparedRows(db, INSERT_LEADS.batchDecided, { accountId, leads: records, ...guard, ...turn })
    : preparedRows(db, INSERT_LEADS.batchExplained, { accountId, leads: records, ...guard, hows });
}
