import type { DataSource } from 'typeorm';
import type { Actor } from '../audit/actor';
import { AUDIT_COLUMNS } from '../audit/audit.service';
import { preparedRows } from '../database/sql';
import { turnCte, type AssignmentPlan } from '../rotations/assignment.service';
import { LEAD_COLUMNS, type LeadDto } from './dto/lead.dto';
import { INPUT_COLUMNS, type LeadValues } from './lead-columns';
import { auditValues, COLUMN_TYPES, createdEntryData, toInserted, type InsertedRow } from './lead-insert';
import { guardCtes } from './lead-rules';

/** One lead of a batch: its values and who asks for it. */
export interface BatchedLead {
  values: LeadValues;
  actor: Actor;
}

/** The most leads one statement inserts. */
export const MAX_BATCH = 32;

const INPUT_RECORD = [
  'ord integer',
  ...INPUT_COLUMNS.map(([, column]) => `${column} ${COLUMN_TYPES[column] ?? 'text'}`),
  'user_email text',
  'api_key_id text',
  'audit_data jsonb',
  'request_method text',
  'request_path text',
  'request_headers jsonb',
  'request_ip text',
  'request_id text',
].join(', ');

/**
 * Several leads of ONE team and source through its rotation, in one statement (its own implicit transaction),
 * for leads that arrive while another statement holds that rotation: the rotation advances by n at once, lead
 * i takes turn (first + i), and the row lock, the commit and the handoff to the next waiter are paid once per
 * batch instead of once per lead. The guard is the one-lead statement's (`guardCtes`: rules 1-4 for the shared
 * team and source, the rotations reading exactly as when `plan` was made); any failure writes nothing (every
 * lead then takes the checked path, which names the failed rule).
 *
 * Parameters: $1 account, $2 the leads (jsonb array of INPUT_RECORD), $3 team, $4 source, $5 skip, $6 the
 * candidates' text, $7..$11 the plan (rotation, version, users, schedule, how). Lead ids are drawn from the
 * sequence in `ord` order first, so each inserted row is matched to its request by id, whatever order rows
 * come back in.
 */
const BATCH_SQL = `
  WITH input AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(${INPUT_RECORD})),
    ids AS MATERIALIZED (SELECT ord, nextval(pg_get_serial_sequence('leads', 'id'))::integer AS id FROM (SELECT ord FROM input ORDER BY ord) o),
    ${guardCtes({ account: '$1::bigint', team: '$3::integer', source: '$4::integer', skip: '$5::boolean', assignee: 'NULL::text' }, '$6::text')},
    ${turnCte({
      account: '$1',
      rotation: '$7',
      version: '$8',
      users: '$9',
      schedule: '$10',
      when: '(SELECT pass FROM rules)',
      step: '(SELECT count(*)::integer FROM input)',
    })},
    slots AS (SELECT input.*, ids.id,
                     ($9::text[])[($10::smallint[])[((turn.slot + input.ord) % cardinality($10::smallint[])) + 1] + 1] AS assignee
                FROM input JOIN ids USING (ord), turn),
    lead AS (
      INSERT INTO leads (id, account_id, ${INPUT_COLUMNS.map(([, column]) => column).join(', ')})
      SELECT id, $1::bigint, ${INPUT_COLUMNS.map(([field, column]) => (field === 'assignedTo' ? 'assignee' : column)).join(', ')} FROM slots
      RETURNING ${LEAD_COLUMNS}),
    entry AS (
      INSERT INTO audit_log (account_id, event, entity_type, entity_id, user_email, api_key_id, data,
                             request_method, request_path, request_headers, request_ip, request_id)
      SELECT $1::bigint, 'lead_created', 'lead', slots.id::text, slots.user_email, slots.api_key_id,
             ${createdEntryData('slots.audit_data', 'slots.assignee', '$11::jsonb')},
             slots.request_method, slots.request_path, slots.request_headers, slots.request_ip, slots.request_id
        FROM slots
      RETURNING ${AUDIT_COLUMNS})
  SELECT ids.ord, lead.*, to_json(entry.*) AS entry
    FROM ids JOIN lead USING (id) JOIN entry ON entry.entity_id = lead.id::text`;

/**
 * Inserts `leads` (all of one account, team and source, none naming an assignee) through `plan`'s rotation in one
 * statement; the result is in the order of `leads`, or null when the guard failed and nothing was written.
 */
export async function insertLeadBatch(
  db: DataSource,
  accountId: string,
  leads: readonly BatchedLead[],
  rules: { teamId: number; leadSourceId: number | null; skip: boolean },
  known: { plan: AssignmentPlan; candidatesText: string },
): Promise<LeadDto[] | null> {
  const input = leads.map(({ values, actor }, ord) => {
    const record: Record<string, unknown> = { ord };
    for (const [field, column] of INPUT_COLUMNS) record[column] = values[field];
    Object.assign(record, {
      user_email: actor.user,
      api_key_id: actor.apiKeyId,
      audit_data: auditValues(values),
      request_method: actor.request?.method ?? null,
      request_path: actor.request?.path ?? null,
      request_headers: actor.request?.headers ?? null,
      request_ip: actor.request?.ip ?? null,
      request_id: actor.request?.requestId ?? null,
    });
    return record;
  });
  const { plan } = known;
  const how = { rotationId: plan.rotationId, skipped: plan.skipped, fallbackFromTeamRotationId: plan.fallbackFromTeamRotationId };
  const rows = await preparedRows<InsertedRow & { ord: number }>(db, BATCH_SQL, [
    accountId,
    JSON.stringify(input),
    rules.teamId,
    rules.leadSourceId,
    rules.skip,
    known.candidatesText,
    plan.rotationId,
    plan.membersVersion,
    plan.users,
    plan.schedule,
    JSON.stringify(how),
  ]);
  if (rows.length !== leads.length) return null;
  const out: LeadDto[] = new Array(leads.length);
  for (const { ord, ...row } of rows) out[ord] = toInserted(row)!;
  return out;
}
