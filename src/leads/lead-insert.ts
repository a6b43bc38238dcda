import type { EntityManager } from 'typeorm';
import type { Actor } from '../audit/actor';
import { AUDIT_COLUMNS, type AuditRow } from '../audit/audit.service';
import { toAuditEntryDto } from '../audit/dto/audit-entry.dto';
import { preparedRows } from '../database/sql';
import { turnCte, type AssignmentPlan } from '../rotations/assignment.service';
import { LEAD_COLUMNS, type LeadDto, type LeadRow, toLeadDto } from './dto/lead.dto';
import { INPUT_COLUMNS, type LeadValues } from './lead-columns';

/** SQL types of the input columns that are not text: parameters of an INSERT … SELECT need explicit casts. */
const COLUMN_TYPES: Record<string, string> = {
  team_id: 'integer',
  lead_source_id: 'integer',
  number_of_employees: 'integer',
  monthly_transaction_volume: 'bigint',
  interested_in_switching: 'boolean',
  last_contacted: 'timestamptz',
  archived: 'boolean',
};

/** The values as the `lead_created` entry keeps them: what the lead will read back as. */
function auditValues(values: LeadValues): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [field] of INPUT_COLUMNS) data[field] = values[field];
  if (typeof values.lastContacted === 'string') data.lastContacted = new Date(values.lastContacted).toISOString();
  return data;
}

const statements = new Map<string, string>();

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
  const key = plan ? 'turn' : 'plain';
  let text = statements.get(key);
  if (!text) statements.set(key, (text = buildStatement(plan !== null)));
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
  ];
  if (plan) {
    const how = { rotationId: plan.rotationId, skipped: plan.skipped, fallbackFromTeamRotationId: plan.fallbackFromTeamRotationId };
    params.push(plan.rotationId, plan.membersVersion, plan.users, plan.schedule, JSON.stringify(how));
  }
  const [row] = await preparedRows<LeadRow & { entry: AuditRow & { created_at: string } }>(m, text, params);
  if (!row) return null;
  const { entry, ...leadRow } = row;
  const auditLog = [toAuditEntryDto({ ...entry, created_at: new Date(entry.created_at) })];
  return { ...toLeadDto(leadRow as LeadRow), auditLog };
}

function buildStatement(withTurn: boolean): string {
  const n = INPUT_COLUMNS.length;
  const p = (i: number) => `$${i}`;
  // $1 account, $2..$(n+1) the input columns, then the actor, then (with a turn) the plan
  const actorAt = n + 2;
  const planAt = actorAt + 7;
  const columnValue = ([field, column]: readonly [string, string], i: number) => {
    // the turn's assignee (the parameter, always null on this path, stays referenced so it has a type)
    if (withTurn && field === 'assignedTo') return `COALESCE(${p(i + 2)}::text, turn.assignee)`;
    const type = COLUMN_TYPES[column];
    return `${p(i + 2)}::${type ?? 'text'}`;
  };
  const data = withTurn
    ? `jsonb_set(${p(actorAt + 2)}::jsonb, '{assignedTo}', to_jsonb(lead.assigned_to))
         || jsonb_build_object('assignment', ${p(planAt + 4)}::jsonb || jsonb_build_object('user', lead.assigned_to))`
    : `${p(actorAt + 2)}::jsonb`;
  return `WITH ${withTurn ? `${turnCte({ account: '$1', rotation: p(planAt), version: p(planAt + 1), users: p(planAt + 2), schedule: p(planAt + 3) })},` : ''}
    lead AS (
      INSERT INTO leads (account_id, ${INPUT_COLUMNS.map(([, column]) => column).join(', ')})
      SELECT $1::bigint, ${INPUT_COLUMNS.map(columnValue).join(', ')}${withTurn ? ' FROM turn' : ''}
      RETURNING ${LEAD_COLUMNS}),
    entry AS (
      INSERT INTO audit_log (account_id, event, entity_type, entity_id, user_email, api_key_id, data,
                             request_method, request_path, request_headers, request_ip)
      SELECT $1::bigint, 'lead_created', 'lead', lead.id::text, ${p(actorAt)}::text, ${p(actorAt + 1)}::text, ${data},
             ${p(actorAt + 3)}::text, ${p(actorAt + 4)}::text, ${p(actorAt + 5)}::jsonb, ${p(actorAt + 6)}::text
        FROM lead
      RETURNING ${AUDIT_COLUMNS})
    SELECT lead.*, to_json(entry.*) AS entry FROM lead, entry`;
}
