import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../audit/actor';
import { AUDIT_COLUMNS, type AuditRow } from '../audit/audit.service';
import { toAuditEntryDto } from '../audit/dto/audit-entry.dto';
import { preparedRows } from '../database/sql';
import { turnCte, type AssignmentPlan } from '../rotations/assignment.service';
import { LEAD_COLUMNS, type LeadDto, type LeadRow, toLeadDto } from './dto/lead.dto';
import { INPUT_COLUMNS, type LeadValues } from './lead-columns';
import { guardCtes, type TeamAndSource } from './lead-rules';

/** SQL types of the input columns that are not text: parameters of an INSERT … SELECT need explicit casts. */
export const COLUMN_TYPES: Record<string, string> = {
  team_id: 'integer',
  lead_source_id: 'integer',
  number_of_employees: 'integer',
  monthly_transaction_volume: 'bigint',
  interested_in_switching: 'boolean',
  last_contacted: 'timestamptz',
  archived: 'boolean',
};

/**
 * The `lead_created` entry's data for a lead a rotation assigned: the values (`values`, jsonb) with the
 * assignee (`assignee`) and how the rotation chose them (`how`, jsonb: rotationId, skipped, fallback).
 */
export const createdEntryData = (values: string, assignee: string, how: string) =>
  `jsonb_set(${values}, '{assignedTo}', to_jsonb(${assignee})) || jsonb_build_object('assignment', ${how} || jsonb_build_object('user', ${assignee}))`;

/** The values as the `lead_created` entry keeps them: what the lead will read back as. */
export function auditValues(values: LeadValues): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [field] of INPUT_COLUMNS) data[field] = values[field];
  if (typeof values.lastContacted === 'string') data.lastContacted = new Date(values.lastContacted).toISOString();
  return data;
}

const statements = new Map<string, string>();

/** The statement for a shape, built once. */
function statementFor(withTurn: boolean, guarded: boolean): string {
  const key = `${withTurn ? 'turn' : 'plain'}/${guarded ? 'guarded' : 'checked'}`;
  let text = statements.get(key);
  if (!text) statements.set(key, (text = buildStatement(withTurn, guarded)));
  return text;
}

function baseParams(accountId: string, actor: Actor, values: LeadValues, plan: AssignmentPlan | null): unknown[] {
  const params: unknown[] = [
    accountId,
    ...INPUT_COLUMNS.map(([field]) => values[field]),
    actor.user,
    actor.apiKeyId,
    JSON.stringify(auditValues(values)),
    actor.request?.method ?? null,
    actor.request?.path ?? null,
    actor.request ? JSON.stringify(actor.request.headers) : null,
    actor.request?.ip ?? null,
    actor.request?.requestId ?? null,
  ];
  if (plan) {
    const how = { rotationId: plan.rotationId, skipped: plan.skipped, fallbackFromTeamRotationId: plan.fallbackFromTeamRotationId };
    params.push(plan.rotationId, plan.membersVersion, plan.users, plan.schedule, JSON.stringify(how));
  }
  return params;
}

export type InsertedRow = LeadRow & { entry: AuditRow & { created_at: string } };

export function toInserted(row: InsertedRow | undefined): LeadDto | null {
  if (!row) return null;
  const { entry, ...leadRow } = row;
  const auditLog = [toAuditEntryDto({ ...entry, created_at: new Date(entry.created_at) })];
  return { ...toLeadDto(leadRow as LeadRow), auditLog };
}

/**
 * The lead's insert as ONE statement: [take the rotation's turn →] insert the lead → insert its `lead_created`
 * entry. Run as the last statement before COMMIT, so a rotation's row lock is held for this statement and the
 * commit only. With a plan, the assignee is the turn's, and nothing at all is inserted when the rotation
 * changed since it was planned (the caller gets null and plans again).
 */
export async function insertLeadWithEntry(
  m: EntityManager,
  accountId: string,
  actor: Actor,
  values: LeadValues,
  plan: AssignmentPlan | null,
): Promise<LeadDto | null> {
  const rows = await preparedRows<InsertedRow>(m, statementFor(plan !== null, false), baseParams(accountId, actor, values, plan));
  return toInserted(rows[0]);
}

/** What a lead's earlier creation in this process learnt: the plan, and the candidates' text it was made from. */
export interface KnownAssignment {
  plan: AssignmentPlan | null;
  /** `CANDIDATES_JSON` as text when the plan was made; null when the lead names its assignee (no plan needed) */
  candidatesText: string | null;
}

/**
 * The whole of POST /leads in ONE statement run on its own (its own implicit transaction): rules 1-5, the
 * rotation's turn and both inserts, done only if every rule passes and the rotations that may serve the lead
 * read exactly as when `known.plan` was made (same rotations, versions, members, weights and member states,
 * so the plan is the one that would be made now). Otherwise nothing at all is written and the caller gets null:
 * it then takes the checked path (`checkLeadRules` + `insertLeadWithEntry` in a transaction), which says which
 * rule failed or plans afresh. One round trip instead of four, and the rotation's row lock is held for this
 * statement alone.
 */
export async function insertLeadAtOnce(
  db: DataSource,
  accountId: string,
  actor: Actor,
  values: LeadValues,
  rules: { teamAndSource: TeamAndSource; skip: boolean },
  known: KnownAssignment,
): Promise<LeadDto | null> {
  const params = baseParams(accountId, actor, values, known.plan);
  params.push(rules.teamAndSource.teamId, rules.teamAndSource.leadSourceId, rules.skip, values.assignedTo, known.candidatesText);
  const rows = await preparedRows<InsertedRow>(db, statementFor(known.plan !== null, true), params);
  return toInserted(rows[0]);
}

/**
 * Parameters: $1 account, $2..$(n+1) the input columns, then the actor (7), then with a turn the plan (5), then
 * when guarded the rules' values (team, source, skip, assignee) and the candidates' text (5).
 */
function buildStatement(withTurn: boolean, guarded: boolean): string {
  const n = INPUT_COLUMNS.length;
  const p = (i: number) => `$${i}`;
  const actorAt = n + 2;
  const planAt = actorAt + 8;
  const guardAt = withTurn ? planAt + 5 : planAt;
  const columnValue = ([field, column]: readonly [string, string], i: number) => {
    // the turn's assignee (the parameter, always null on this path, stays referenced so it has a type)
    if (withTurn && field === 'assignedTo') return `COALESCE(${p(i + 2)}::text, turn.assignee)`;
    const type = COLUMN_TYPES[column];
    return `${p(i + 2)}::${type ?? 'text'}`;
  };
  const data = withTurn ? createdEntryData(`${p(actorAt + 2)}::jsonb`, 'lead.assigned_to', `${p(planAt + 4)}::jsonb`) : `${p(actorAt + 2)}::jsonb`;
  const ruleParams = {
    account: '$1::bigint',
    team: `${p(guardAt)}::integer`,
    source: `${p(guardAt + 1)}::integer`,
    skip: `${p(guardAt + 2)}::boolean`,
    assignee: `${p(guardAt + 3)}::text`,
  };
  const ctes: string[] = [];
  if (guarded) ctes.push(guardCtes(ruleParams, `${p(guardAt + 4)}::text`));
  if (withTurn) {
    const when = guarded ? '(SELECT pass FROM rules)' : undefined;
    ctes.push(turnCte({ account: '$1', rotation: p(planAt), version: p(planAt + 1), users: p(planAt + 2), schedule: p(planAt + 3), when }));
  }
  const from = withTurn ? ' FROM turn' : guarded ? ' FROM rules WHERE rules.pass' : '';
  ctes.push(`lead AS (
      INSERT INTO leads (account_id, ${INPUT_COLUMNS.map(([, column]) => column).join(', ')})
      SELECT $1::bigint, ${INPUT_COLUMNS.map(columnValue).join(', ')}${from}
      RETURNING ${LEAD_COLUMNS})`);
  ctes.push(`entry AS (
      INSERT INTO audit_log (account_id, event, entity_type, entity_id, user_email, api_key_id, data,
                             request_method, request_path, request_headers, request_ip, request_id)
      SELECT $1::bigint, 'lead_created', 'lead', lead.id::text, ${p(actorAt)}::text, ${p(actorAt + 1)}::text, ${data},
             ${p(actorAt + 3)}::text, ${p(actorAt + 4)}::text, ${p(actorAt + 5)}::jsonb, ${p(actorAt + 6)}::text, ${p(actorAt + 7)}::text
        FROM lead
      RETURNING ${AUDIT_COLUMNS})`);
  return `WITH ${ctes.join(',\n    ')}
    SELECT lead.*, to_json(entry.*) AS entry FROM lead, entry`;
}
