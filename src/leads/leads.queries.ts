import { accountSettingsHold, activeMemberForShare } from '../accounts/accounts.queries';
import { ACTOR_RECORD_TYPES, actorOf, insertAuditEntries, type AuditRow } from '../audit/audit.queries';
import { compileNamed, defineSql } from '../database/named-sql';
import { defineQuery } from '../database/sql';
import { liveSourceCte, teamHasLiveSources } from '../lead-sources/lead-sources.queries';
import { candidatesJson, DECIDED_TURN_PARAMETERS, decidedTurnCtes, turnAssignee, turnCte, type CandidateRow } from '../rotations/rotations.queries';
import { accountHasLiveTeams, liveTeamCte } from '../teams/teams.queries';
import { outboxCtes } from '../webhooks/webhooks.queries';
import { LEAD_COLUMNS, type LeadRow } from './dto/lead.dto';
import { INPUT_COLUMNS } from './lead-columns';

/**
 * The leads feature's raw SQL: for POST /leads, rules 1-5 (with the rotations that may serve the lead) and the
 * one builder of the lead insert; for GET /leads, the list's steps; for the changes of a lead, its lock and updates. Other modules' tables are reached through their fragments (teams, lead
 * sources, rotations, audit). `npm run sql:snapshot` writes these statements to queries/leads.sql.
 */

/** Where a statement has the values rules 1-5 read: SQL expressions. */
export interface RuleExpressions {
  account: string;
  team: string;
  source: string;
  skip: string;
  assignee: string;
}

/**
 * CTEs `team`, `source` and `assignee`: the lead's team, source and assignee rows, locked FOR SHARE until the
 * transaction ends, so a concurrent soft delete, deactivation or removal waits and the lead never commits
 * pointing at a team, source or member that went away meanwhile.
 */
const ruleCtes = (p: RuleExpressions) => `${liveTeamCte({ account: p.account, team: p.team })},
  ${liveSourceCte({ account: p.account, team: p.team, source: p.source })},
  assignee AS (${activeMemberForShare(p.account, p.assignee)})`;

/** Rule 1's question (asked only when the lead has no team and the requirement is not waived). */
const accountHasTeams = (p: RuleExpressions) => `CASE WHEN ${p.team} IS NULL AND NOT ${p.skip} THEN ${accountHasLiveTeams(p.account)} END`;
/** Rule 3's question (asked only when the lead has a team but no source and the requirement is not waived). */
const teamHasSources = (p: RuleExpressions) =>
  `CASE WHEN ${p.team} IS NOT NULL AND ${p.source} IS NULL AND NOT ${p.skip} THEN ${teamHasLiveSources({ account: p.account, team: p.team })} END`;

/** True when rules 1-5 all pass (with `ruleCtes` in the same WITH). */
const rulesPass = (p: RuleExpressions) => `(
      (${p.team} IS NULL OR EXISTS (SELECT 1 FROM team))
  AND (${p.source} IS NULL OR EXISTS (SELECT 1 FROM source))
  AND (${p.assignee} IS NULL OR EXISTS (SELECT 1 FROM assignee))
  AND (${accountHasTeams(p)}) IS NOT TRUE
  AND (${teamHasSources(p)}) IS NOT TRUE)`;

export interface CheckRulesParams {
  accountId: string;
  teamId: number | null;
  leadSourceId: number | null;
  skip: boolean;
  assignee: string | null;
  withCandidates: boolean;
}

export interface CheckRulesRow {
  team_found: boolean;
  source_found: boolean;
  account_has_teams: boolean | null;
  team_has_sources: boolean | null;
  assignee_found: boolean;
  candidates: CandidateRow[] | null;
  /** The candidates as the exact text a later one-statement insert compares with */
  candidates_text: string | null;
}

const CHECK_EXPRESSIONS: RuleExpressions = {
  account: ':accountId::bigint',
  team: ':teamId::bigint',
  source: ':leadSourceId::bigint',
  skip: ':skip::boolean',
  assignee: ':assignee::text',
};

/** Rules 1-5 and (`withCandidates`) the rotations that may serve the lead, read in ONE statement. */
export const CHECK_RULES = defineQuery<CheckRulesParams, CheckRulesRow>(
  'leads/check-rules',
  `WITH ${ruleCtes(CHECK_EXPRESSIONS)}
  SELECT EXISTS (SELECT 1 FROM team) AS team_found,
         EXISTS (SELECT 1 FROM source) AS source_found,
         ${accountHasTeams(CHECK_EXPRESSIONS)} AS account_has_teams,
         ${teamHasSources(CHECK_EXPRESSIONS)} AS team_has_sources,
         EXISTS (SELECT 1 FROM assignee) AS assignee_found,
         candidates, candidates::text AS candidates_text
    FROM (SELECT CASE WHEN :withCandidates::boolean THEN ${candidatesJson(':accountId::bigint', ':teamId::bigint')} END AS candidates) c`,
);

/** SQL types of the input columns that are not text. */
const COLUMN_TYPES: Record<string, string> = {
  team_id: 'integer',
  lead_source_id: 'integer',
  number_of_employees: 'integer',
  monthly_transaction_volume: 'bigint',
  interested_in_switching: 'boolean',
  last_contacted: 'timestamptz',
  archived: 'boolean',
  merged_into_id: 'bigint',
};

/**
 * No live lead the statement can see shares a match key with a lead of `input` (each an index probe of the key's
 * index on (account_id, key)). A lone lead compares its keys as parameters: `l.key = :key` is an index condition
 * in any plan. As a join with the one-row `input` CTE, the generic plan (cached per connection once the statement
 * had run five times, planned while the table was small) read every live lead of the account by account_id alone
 * and compared keys in a join filter, a cost growing with the account: reject measured 20% below allow, shared
 * buffers per one-lead insert 210 against allow's 96. A batch keeps the join (a LATERAL ... LIMIT 1 per lead was
 * slower there in the bench: its database CPU per lead doubled on one busy rotation).
 */
const noVisibleDuplicate = (account: string, many: boolean) =>
  MATCH_KEY_COLUMNS.map((key) =>
    many
      ? `NOT EXISTS (SELECT 1 FROM input i JOIN leads l ON l.account_id = ${account} AND l.${key} = i.${key} AND NOT l.archived)`
      : `NOT EXISTS (SELECT 1 FROM leads l WHERE l.account_id = ${account} AND l.${key} = :${key}::text AND NOT l.archived)`,
  ).join('\n        AND ');

/** The match keys a create writes with the input columns (src/leads/match-keys.ts). */
const MATCH_KEY_COLUMNS = ['email_key', 'phone_key'];

/** One lead of the `:leads` recordset: its place, its column values, what its entry keeps, and its actor. */
const LEAD_RECORD = [
  'ord integer',
  ...INPUT_COLUMNS.map(([, column]) => `${column} ${COLUMN_TYPES[column] ?? 'text'}`),
  ...MATCH_KEY_COLUMNS.map((column) => `${column} text`),
  // created under `reject`: the lead fences its match keys (migrations/1764279100000-LeadRejectFence.js)
  'fenced boolean',
  // the first-touch timer of the rotation that assigns it (null: none), known from the plan (src/leads/lead-insert.ts)
  'first_touch_seconds integer',
  'first_touch_rotation_id bigint',
  'audit_data jsonb',
  ...ACTOR_RECORD_TYPES,
].join(', ');

/**
 * The `lead_created` entry's data for a lead a rotation assigned: the values (jsonb) with the assignee and
 * how the rotation chose them (`how`, jsonb: rotationId, skipped, fallbackFromTeamRotationId).
 */
const createdEntryData = (values: string, assignee: string, how: string) =>
  `jsonb_set(${values}, '{assignedTo}', to_jsonb(${assignee})) || jsonb_build_object('assignment', ${how} || jsonb_build_object('user', ${assignee}))`;

export interface InsertLeadsParams {
  accountId: string;
  /** JSON array of LEAD_RECORD, `ord` 0..n-1 in arrival order */
  leads: string;
}
/** The guard of a statement run on its own: rules 1-5 for the leads' shared team, source and assignee. */
export interface InsertGuardParams {
  teamId: number | null;
  leadSourceId: number | null;
  skip: boolean;
  assignee: string | null;
  /** The candidates' text the plan was made from (`CHECK_RULES.candidates_text`); null: not compared */
  candidatesText: string | null;
  /** The account's default country the leads' phone keys were computed for; null: not compared (no phone) */
  country: string | null;
  /** The duplicate policy the account must still have (`allow` or `reject`); null: not compared (?onDuplicate) */
  policy: string | null;
  /**
   * `reject`: write only leads no visible live lead duplicates (the leads then fence their keys, `fenced`: a
   * concurrent create of the same key under `reject` fails on the fence's unique index, FENCE_INDEXES)
   */
  rejectDuplicates: boolean;
}
/** The plan whose rotation takes the leads' turns. */
export interface InsertTurnParams {
  rotationId: number;
  membersVersion: number;
  users: string[];
  schedule: number[];
  /** JSON: {rotationId, skipped, fallbackFromTeamRotationId} for the entries' data.assignment */
  how: string;
  /** `lock_timeout` for the rotation's row lock, e.g. '3000ms' */
  lockTimeout: string;
}

/**
 * A turn the routing engine decided from the rotation's state (rotations with caps or availability): each lead's
 * explanation by `ord` (its `user` the assignee), the position it was decided from, and the counters after.
 */
export interface InsertDecidedParams {
  rotationId: number;
  membersVersion: number;
  /** The rotation's position the decision was made from (not `position`: a lead has a field of that name) */
  fromPosition: string;
  taken: number;
  /** JSON object {user: {dayStart, day, weekStart, week}} of the counters that changed */
  counters: string;
  /** JSON array of the leads' data.assignment, by ord */
  hows: string;
  lockTimeout: string;
}

/** Leads no rotation could take (every rotation consulted passed them on): each one's data.assignment, by ord. */
export interface InsertExplainedParams {
  hows: string;
}

/** How the leads get their assignee: as given, a position-only turn, a decided turn, or none (explained). */
type TurnShape = 'none' | 'slot' | 'decided' | 'explained';

/** A row of the insert: the lead, its `ord` in the input, and its `lead_created` entry (as JSON). */
export type InsertedLeadRow = LeadRow & { ord: number; entry: AuditRow & { created_at: string } };

/** The `input` CTE of a lone lead: its record's fields as named parameters (cheaper than a one-row recordset). */
const ONE_LEAD_INPUT = `input AS (SELECT 0 AS ord, ${LEAD_RECORD.split(', ')
  .slice(1)
  .map((field) => {
    const [name, type] = field.split(' ');
    return `:${name}::${type} AS ${name}`;
  })
  .join(', ')})`;

/**
 * THE lead insert: n leads in ONE statement, each with its `lead_created` entry; a lone lead is a batch of one
 * (its fields as parameters, `ONE_LEAD_INPUT`, instead of the `:leads` recordset).
 * - `turn`: the plan's rotation advances by n at once (`turnCte`), lead i takes turn first + i; nothing is
 *   written when the rotation changed since it was planned.
 * - `guarded`: run on its own (its own implicit transaction), it writes only when rules 1-5 pass and, when
 *   `:candidatesText` is not null, the rotations that may serve the leads still read as that text (so the plan
 *   is the one that would be made now); the checked path runs it unguarded after `CHECK_RULES` in its transaction.
 * Ids are drawn only once the guard and the turn passed, in `ord` order; each row comes back with its `ord`, so
 * it is matched to its request whatever order rows come back in. The leads' events (`lead_events`, the outbox,
 * with their webhook deliveries) are written by the same statement.
 */
function insertLeadsSql(shape: { many: boolean; turn: TurnShape; guarded: boolean }): string {
  const ctes = [shape.many ? `input AS (SELECT * FROM jsonb_to_recordset(:leads::jsonb) AS x(${LEAD_RECORD}))` : ONE_LEAD_INPUT];
  if (shape.guarded) {
    const rules: RuleExpressions = { ...CHECK_EXPRESSIONS };
    ctes.push(ruleCtes(rules));
    ctes.push(`rules AS (SELECT ${rulesPass(rules)}
      AND (:candidatesText::text IS NULL OR ${candidatesJson(rules.account, rules.team)}::text = :candidatesText::text)
      AND ${accountSettingsHold(rules.account, ':country::text', ':policy::text')}
      AND (NOT :rejectDuplicates::boolean OR (${noVisibleDuplicate(rules.account, shape.many)})) AS pass)`);
  }
  const when = shape.guarded ? '(SELECT pass FROM rules)' : undefined;
  if (shape.turn === 'slot') {
    const step = shape.many ? '(SELECT count(*)::integer FROM input)' : '1';
    ctes.push(turnCte({ account: ':accountId::bigint', rotation: ':rotationId::bigint', version: ':membersVersion::integer', step, lockTimeout: ':lockTimeout::text', when }));
  }
  if (shape.turn === 'decided') {
    ctes.push(decidedTurnCtes({ ...DECIDED_TURN_PARAMETERS, when }));
  }
  const explained = shape.turn === 'decided' || shape.turn === 'explained';
  const how = `(:hows::jsonb -> input.ord)`;
  const assignee = shape.turn === 'slot' ? turnAssignee({ users: ':users', schedule: ':schedule' }, 'turn.slot + input.ord') : explained ? `${how} ->> 'user'` : 'input.assigned_to';
  const from = shape.turn === 'slot' || shape.turn === 'decided' ? 'input, turn' : shape.guarded ? 'input WHERE (SELECT pass FROM rules)' : 'input';
  // ids in `ord` order: PostgreSQL evaluates a volatile output column after the ORDER BY's sort
  const order = shape.many ? ' ORDER BY ord' : '';
  ctes.push(
    `slots AS (SELECT input.*, nextval(pg_get_serial_sequence('leads', 'id')) AS id, ${assignee} AS assignee${explained ? `, ${how} AS how` : ''} FROM ${from}${order})`,
  );
  const columns = [...INPUT_COLUMNS.map(([, column]) => column), ...MATCH_KEY_COLUMNS];
  ctes.push(`lead AS (
      INSERT INTO leads (id, account_id, ${columns.join(', ')}, first_touch_due_at, first_touch_rotation_id, email_fenced, phone_fenced)
      SELECT id, :accountId::bigint, ${columns.map((c) => (c === 'assigned_to' ? 'assignee' : c)).join(', ')},
             ${firstTouchDue('first_touch_seconds', 'assignee')}, CASE WHEN first_touch_seconds IS NOT NULL AND assignee IS NOT NULL THEN first_touch_rotation_id END,
             fenced AND email_key IS NOT NULL, fenced AND phone_key IS NOT NULL
        FROM slots
      RETURNING ${LEAD_COLUMNS})`);
  const data =
    shape.turn === 'slot'
      ? createdEntryData('slots.audit_data', 'slots.assignee', ':how::jsonb')
      : explained
        ? `jsonb_set(slots.audit_data, '{assignedTo}', coalesce(to_jsonb(slots.assignee), 'null'::jsonb)) || jsonb_build_object('assignment', slots.how)`
        : 'slots.audit_data';
  const entry = { account: ':accountId::bigint', event: `'lead_created'`, entityType: `'lead'`, entityId: 'slots.id::text', data, actor: actorOf('slots') };
  ctes.push(`entry AS (
      ${insertAuditEntries(entry, 'FROM slots')})`);
  ctes.push(leadCreatedEvents(shape.turn));
  return `WITH ${ctes.join(',\n  ')}
  SELECT slots.ord, lead.*, to_json(entry.*) AS entry
    FROM slots JOIN lead USING (id) JOIN entry ON entry.entity_id = lead.id::text`;
}

/** A lead's first-touch deadline: `seconds` after now (the statement's time, its created_at) when it has an assignee and a timer. */
const firstTouchDue = (seconds: string, assignee: string) =>
  `CASE WHEN ${seconds} IS NOT NULL AND ${assignee} IS NOT NULL THEN now() + ${seconds} * interval '1 second' END`;

/** A timestamptz as the API writes it (JSON of a JS Date): UTC, milliseconds. */
const apiTime = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The Lead (without auditLog) of row alias `a`, as jsonb in the API's shape (toLeadDto's): `data.lead` of the
 * events the one-statement insert writes.
 */
export const leadEventJson = (a: string) =>
  `jsonb_build_object('id', ${a}.id, 'accountId', ${a}.account_id::text, 'applicationId', ${a}.application_id, ${INPUT_COLUMNS.map(
    ([field, column]) => `'${field}', ${column === 'last_contacted' ? apiTime(`${a}.${column}`) : `${a}.${column}`}`,
  ).join(', ')}, 'mergedIntoId', ${a}.merged_into_id, 'firstTouchDueAt', ${apiTime(`${a}.first_touch_due_at`)}, 'firstTouchedAt', ${apiTime(`${a}.first_touched_at`)}, 'createdAt', ${apiTime(`${a}.created_at`)}, 'updatedAt', ${apiTime(`${a}.updated_at`)})`;

/**
 * The CTEs `lead_events` (+ their deliveries, `outboxCtes`): per lead, `lead.created`, and `lead.assigned` when it
 * got an assignee (`data.assignment`: how the rotation chose, or `{reason: "named"}`), in `ord` order.
 */
const leadCreatedEvents = (turn: TurnShape) => {
  // data.assignment as the lead_created entry has it (the rotation's explanation, a bulk's or a duplicate owner's), or named
  const named = `jsonb_build_object('rotationId', NULL, 'user', slots.assignee, 'reason', 'named', 'fallbackFromTeamRotationId', NULL, 'candidates', '[]'::jsonb, 'consulted', '[]'::jsonb)`;
  const assignment =
    turn === 'slot'
      ? `:how::jsonb || jsonb_build_object('user', slots.assignee)`
      : turn === 'decided' || turn === 'explained'
        ? 'slots.how'
        : `coalesce(slots.audit_data -> 'assignment', ${named})`;
  return outboxCtes(
    'lead_events',
    { account: ':accountId::bigint', type: 'e.type', data: 'e.data' },
    `FROM (SELECT slots.ord, ${leadEventJson('lead')} AS lead_json, lead.assigned_to, ${assignment} AS assignment FROM slots JOIN lead USING (id)) l
       CROSS JOIN LATERAL (VALUES (1, 'lead.created', jsonb_build_object('lead', l.lead_json)),
                                  (2, 'lead.assigned', CASE WHEN l.assigned_to IS NOT NULL
                                     THEN jsonb_build_object('lead', l.lead_json, 'previousUser', NULL, 'assignment', l.assignment) END)) e(n, type, data)
      WHERE e.data IS NOT NULL
      ORDER BY l.ord, e.n`,
  );
};

/** A lone lead's fields, by the names of ONE_LEAD_INPUT (the `:leads` record of one lead, without `ord`). */
export type OneLeadParams = Record<string, unknown>;

/**
 * The shapes of the insert: a lone lead (checked or guarded, with or without a turn), and a batch (always guarded,
 * always through a rotation: only leads of a busy team are batched).
 */
type One = OneLeadParams & { accountId: string };
export const INSERT_LEADS = {
  one: {
    plain: defineQuery<One, InsertedLeadRow>('leads/insert-one', insertLeadsSql({ many: false, turn: 'none', guarded: false })),
    turn: defineQuery<One & InsertTurnParams, InsertedLeadRow>('leads/insert-one.turn', insertLeadsSql({ many: false, turn: 'slot', guarded: false })),
    guarded: defineQuery<One & InsertGuardParams, InsertedLeadRow>('leads/insert-one.guarded', insertLeadsSql({ many: false, turn: 'none', guarded: true })),
    guardedTurn: defineQuery<One & InsertGuardParams & InsertTurnParams, InsertedLeadRow>(
      'leads/insert-one.guarded.turn',
      insertLeadsSql({ many: false, turn: 'slot', guarded: true }),
    ),
    decided: defineQuery<One & InsertDecidedParams, InsertedLeadRow>('leads/insert-one.decided', insertLeadsSql({ many: false, turn: 'decided', guarded: false })),
    guardedDecided: defineQuery<One & InsertGuardParams & InsertDecidedParams, InsertedLeadRow>(
      'leads/insert-one.guarded.decided',
      insertLeadsSql({ many: false, turn: 'decided', guarded: true }),
    ),
    explained: defineQuery<One & InsertExplainedParams, InsertedLeadRow>('leads/insert-one.explained', insertLeadsSql({ many: false, turn: 'explained', guarded: false })),
    guardedExplained: defineQuery<One & InsertGuardParams & InsertExplainedParams, InsertedLeadRow>(
      'leads/insert-one.guarded.explained',
      insertLeadsSql({ many: false, turn: 'explained', guarded: true }),
    ),
  },
  batch: defineQuery<InsertLeadsParams & InsertGuardParams & InsertTurnParams, InsertedLeadRow>(
    'leads/insert-batch',
    insertLeadsSql({ many: true, turn: 'slot', guarded: true }),
  ),
  batchDecided: defineQuery<InsertLeadsParams & InsertGuardParams & InsertDecidedParams, InsertedLeadRow>(
    'leads/insert-batch.decided',
    insertLeadsSql({ many: true, turn: 'decided', guarded: true }),
  ),
  batchExplained: defineQuery<InsertLeadsParams & InsertGuardParams & InsertExplainedParams, InsertedLeadRow>(
    'leads/insert-batch.explained',
    insertLeadsSql({ many: true, turn: 'explained', guarded: true }),
  ),
  /** POST /leads/bulk and import: leads judged and assigned in their transaction (src/leads/lead-batch.service.ts) */
  batchChecked: defineQuery<InsertLeadsParams, InsertedLeadRow>('leads/insert-batch.checked', insertLeadsSql({ many: true, turn: 'none', guarded: false })),
};

// ---------------------------------------------------------------------------------------------------------
// GET /leads/{id} and the changes of a lead (PATCH, archive, unarchive, convert)

export const LEAD_BY_ID = defineQuery<{ accountId: string; id: number }, LeadRow>(
  'leads/by-id',
  `SELECT ${LEAD_COLUMNS} FROM leads WHERE account_id = :accountId AND id = :id`,
);

/** A locked lead, and whether a PATCH's lastContacted differs from it (compared in SQL, to the microsecond). */
export type LockedLeadRow = LeadRow & { last_contacted_differs: boolean | null };

/**
 * The lead's row, locked until the transaction ends (FOR NO KEY UPDATE: nothing references a lead by key, and
 * it serialises every change of the lead). The comparison is made on the row as locked: after waiting for a
 * concurrent change, on its result.
 */
export const LOCK_LEAD = defineQuery<{ accountId: string; id: number; lastContacted: string | null }, LockedLeadRow>(
  'leads/lock',
  `SELECT ${LEAD_COLUMNS}, last_contacted IS DISTINCT FROM :lastContacted::timestamptz AS last_contacted_differs
     FROM leads WHERE account_id = :accountId AND id = :id FOR NO KEY UPDATE`,
);

/**
 * What a change does to the lead's first-touch timer (API.md 10): `touch`, made by the assignee: it counts as the
 * first touch (firstTouchedAt set when a deadline ran) and the deadline goes; `stopTimer`: the deadline goes
 * without a touch (the lead was archived, or given to someone else by hand).
 */
export interface TouchFlags {
  touch: boolean;
  stopTimer: boolean;
}

/**
 * A lead's fence of one match key after a change (migrations/1764279100000-LeadRejectFence.js): kept only while
 * the key stays and the lead was live, so no change ever meets the fence's unique index (duplicates are judged at
 * create only): a new key, or an archived lead changed (unarchived), fences nothing.
 */
const fenceKept = (key: 'email' | 'phone', newKey: string | null) =>
  `${key}_fenced = ${key}_fenced AND NOT archived${newKey === null ? '' : ` AND ${key}_key IS NOT DISTINCT FROM ${newKey}`}`;
const changedKey = (column: string) => `CASE WHEN :changes::jsonb ? '${column}' THEN :changes::jsonb ->> '${column}' ELSE ${column} END`;

/**
 * Sets the input columns (and match keys, merged_into_id) named in `:changes` (a JSON object by column name;
 * JSON null clears) and leaves the others as they are: one statement whatever the PATCH carries. A key that
 * changes (or an unarchive) clears its fence.
 */
export const UPDATE_LEAD = defineQuery<{ accountId: string; id: number; changes: string } & TouchFlags, LeadRow>(
  'leads/update',
  `UPDATE leads SET
     ${[...INPUT_COLUMNS.map(([, c]) => c), ...MATCH_KEY_COLUMNS, 'merged_into_id']
       .map((c) => `${c} = CASE WHEN :changes::jsonb ? '${c}' THEN (:changes::jsonb ->> '${c}')::${COLUMN_TYPES[c] ?? 'text'} ELSE ${c} END`)
       .join(',\n     ')},
     first_touched_at = CASE WHEN :touch::boolean AND first_touch_due_at IS NOT NULL THEN now() ELSE first_touched_at END,
     first_touch_due_at = CASE WHEN :touch::boolean OR :stopTimer::boolean THEN NULL ELSE first_touch_due_at END,
     ${fenceKept('email', changedKey('email_key'))}, ${fenceKept('phone', changedKey('phone_key'))},
     updated_at = now()
   WHERE account_id = :accountId AND id = :id RETURNING ${LEAD_COLUMNS}`,
);

/** Archive or unarchive; an unarchived lead fences nothing (its fences go). */
export const SET_ARCHIVED = defineQuery<{ accountId: string; id: number; archived: boolean } & TouchFlags, LeadRow>(
  'leads/set-archived',
  `UPDATE leads SET archived = :archived, ${fenceKept('email', null)}, ${fenceKept('phone', null)},
     first_touched_at = CASE WHEN :touch::boolean AND first_touch_due_at IS NOT NULL THEN now() ELSE first_touched_at END,
     first_touch_due_at = CASE WHEN :touch::boolean OR :stopTimer::boolean THEN NULL ELSE first_touch_due_at END,
     updated_at = now() WHERE account_id = :accountId AND id = :id RETURNING ${LEAD_COLUMNS}`,
);

export const SET_APPLICATION_ID = defineQuery<{ accountId: string; id: number; applicationId: string } & TouchFlags, LeadRow>(
  'leads/set-application-id',
  `UPDATE leads SET application_id = :applicationId,
     first_touched_at = CASE WHEN :touch::boolean AND first_touch_due_at IS NOT NULL THEN now() ELSE first_touched_at END,
     first_touch_due_at = CASE WHEN :touch::boolean OR :stopTimer::boolean THEN NULL ELSE first_touch_due_at END,
     updated_at = now() WHERE account_id = :accountId AND id = :id RETURNING ${LEAD_COLUMNS}`,
);

// ---------------------------------------------------------------------------------------------------------
// First-touch timers (API.md 10): POST /leads/{id}/touch and the breach job (src/leads/first-touch.service.ts)

/** POST /leads/{id}/touch on the locked lead: the first touch when a deadline runs (the deadline goes). */
export const TOUCH_LEAD = defineQuery<{ accountId: string; id: number }, LeadRow>(
  'leads/touch',
  `UPDATE leads SET first_touched_at = CASE WHEN first_touch_due_at IS NOT NULL THEN now() ELSE first_touched_at END, first_touch_due_at = NULL
    WHERE account_id = :accountId::bigint AND id = :id::bigint RETURNING ${LEAD_COLUMNS}`,
);

/** A lead whose deadline passed, locked, with what its breach needs. */
export interface DueLeadRow {
  id: number;
  account_id: string;
  assigned_to: string | null;
  archived: boolean;
  /** bigint: a string from node-postgres */
  first_touch_rotation_id: string | number | null;
  first_touch_reassignments: number;
  first_touch_holders: string[];
}

/**
 * Up to `limit` leads whose first-touch deadline passed, oldest deadline first, read without a lock through the
 * partial index of running timers (leads_first_touch_due_idx: it holds only leads with a deadline, so the read
 * costs what is due, whatever the number of leads). Each is then locked on its own (`LOCK_DUE_LEAD`, by its
 * (account_id, id): a single-shard statement on Citus, where this read spans the shards).
 */
export const DUE_FIRST_TOUCH = defineQuery<{ limit: number }, { account_id: string; id: number }>(
  'leads/first-touch-due',
  `SELECT account_id, id FROM leads WHERE first_touch_due_at IS NOT NULL AND first_touch_due_at <= now()
    ORDER BY first_touch_due_at LIMIT :limit::integer`,
);

/**
 * The due lead, locked FOR NO KEY UPDATE (as a change of the lead locks it) if it is still due once locked; no
 * row when a change holds it now (SKIP LOCKED: a touch in progress, or another run) or it is no longer due.
 */
export const LOCK_DUE_LEAD = defineQuery<{ accountId: string; id: number }, DueLeadRow>(
  'leads/first-touch-lock',
  `SELECT id, account_id, assigned_to, archived, first_touch_rotation_id, first_touch_reassignments, first_touch_holders
     FROM leads WHERE account_id = :accountId::bigint AND id = :id::bigint AND first_touch_due_at <= now()
      FOR NO KEY UPDATE SKIP LOCKED`,
);

/**
 * A breach that reassigns: the lead goes to `to`, its earlier assignee joins its holders, one more reassignment
 * is counted, and the new assignee gets a fresh deadline (`seconds` from now; null: the rotation's timer is off now).
 */
export const REASSIGN_FIRST_TOUCH = defineQuery<{ accountId: string; id: number; to: string; seconds: number | null }, LeadRow>(
  'leads/first-touch-reassign',
  `UPDATE leads SET first_touch_holders = CASE WHEN assigned_to IS NULL THEN first_touch_holders ELSE array_append(first_touch_holders, assigned_to::text) END,
     assigned_to = :to::text, first_touch_reassignments = first_touch_reassignments + 1, first_touched_at = NULL,
     first_touch_due_at = ${firstTouchDue(':seconds::integer', ':to::text')}, updated_at = now()
    WHERE account_id = :accountId::bigint AND id = :id::bigint RETURNING ${LEAD_COLUMNS}`,
);

/** A breach that leaves the lead where it is: its deadline goes (so the breach is handled once). */
export const END_FIRST_TOUCH = defineQuery<{ accountId: string; id: number }, LeadRow>(
  'leads/first-touch-end',
  `UPDATE leads SET first_touch_due_at = NULL WHERE account_id = :accountId::bigint AND id = :id::bigint RETURNING ${LEAD_COLUMNS}`,
);

// ---------------------------------------------------------------------------------------------------------
// GET /leads

/**
 * The SQL of GET /leads, in one place: the service runs it and test/leads-explain.e2e-spec.ts EXPLAINs
 * exactly what it builds.
 *
 * Every statement is `WHERE account_id = :accountId AND <filters> [AND (created_at, id) < <cursor>]
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

/** A statement as node-postgres takes it: `$n` text and positional values. */
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

/** The statement of one step with named parameters (`:name`), and their values. */
function leadListSql(f: LeadListFilters, step: LeadListStep, limit: number): { sql: string; values: Record<string, unknown> } {
  const values: Record<string, unknown> = { accountId: f.accountId };
  const where = ['account_id = :accountId'];
  const filter = (condition: string, name: string, value: unknown) => {
    where.push(condition);
    values[name] = value;
  };
  if (f.archived !== null) filter('archived = :archived', 'archived', f.archived);
  if (f.teamId !== undefined) filter('team_id = :teamId', 'teamId', f.teamId);
  if (f.leadSourceId !== undefined) filter('lead_source_id = :leadSourceId', 'leadSourceId', f.leadSourceId);
  if (f.assignedTo !== undefined) filter('assigned_to = :assignedTo', 'assignedTo', f.assignedTo);
  if (f.processStage !== undefined) filter('process_stage = :processStage', 'processStage', f.processStage);
  if (f.createdBy !== undefined) filter('created_by = :createdBy', 'createdBy', f.createdBy);
  if (f.createdFrom !== undefined) filter('created_at >= :createdFrom::timestamptz', 'createdFrom', f.createdFrom);
  if (f.createdTo !== undefined) filter('created_at < :createdTo::timestamptz', 'createdTo', f.createdTo);
  if (f.after) {
    filter('(created_at, id) < (:afterCreatedAt::timestamptz, :afterId)', 'afterCreatedAt', f.after.createdAt);
    values.afterId = f.after.id;
  }
  const order = 'ORDER BY created_at DESC, id DESC';
  const columns = `${LEAD_COLUMNS}, ${cursorCreatedAt()} AS cursor_created_at`;

  if (step === 'keyset') {
    values.limit = limit + 1;
    return { sql: `SELECT ${columns} FROM leads WHERE ${where.join(' AND ')} ${order} LIMIT :limit`, values };
  }
  if (f.q === undefined) throw new Error(`the ${step} step needs q`);
  // Lower-cased in SQL, as the indexed text is, so both sides use the database's idea of lower case.
  values.pattern = escapeLike(f.q);
  const matches = `${LEAD_SEARCH_TEXT} LIKE '%' || lower(:pattern) || '%'`;
  if (step === 'trigram') {
    values.limit = limit + 1;
    return { sql: `SELECT ${columns} FROM leads WHERE ${where.join(' AND ')} AND ${matches} ${order} LIMIT :limit`, values };
  }
  // The inner LIMIT keeps the walk on the keyset index (and bounded), the outer one stops it at a full page.
  // The walk reads only what it tests; the whole row is fetched for the few rows returned.
  values.window = walkWindow(f, limit);
  values.limit = limit + 2;
  return {
    sql: `SELECT ${LEAD_COLUMNS_OF_L}, ${cursorCreatedAt('l.')} AS cursor_created_at, s.hit, s.pos FROM (
             SELECT w.*, row_number() OVER (${order}) AS pos FROM (
               SELECT id, created_at, ${matches} AS hit FROM leads WHERE ${where.join(' AND ')} ${order} LIMIT :window
             ) w
           ) s
           JOIN leads l ON l.account_id = :accountId AND l.id = s.id
           WHERE s.hit OR s.pos = :window
           ORDER BY s.created_at DESC, s.id DESC LIMIT :limit`,
    values,
  };
}

/** Compiled statements by named text: one per shape of filters and step (a few hundred at most). */
const compiledLists = new Map<string, ReturnType<typeof compileNamed>>();

/**
 * The statement of one step, fetching `limit + 1` rows (the extra one says whether there is a next page);
 * the walk also returns the window's last row (`pos` = window) when it reaches it, matched or not. Its text
 * depends on which filters are set: queries/leads.sql shows representative shapes (`leads/list.*`).
 */
export function leadListStatement(f: LeadListFilters, step: LeadListStep, limit: number): Statement {
  const { sql, values } = leadListSql(f, step, limit);
  let compiled = compiledLists.get(sql);
  if (!compiled) compiledLists.set(sql, (compiled = compileNamed(sql)));
  return { text: compiled.text, params: compiled.names.map((name) => values[name]) };
}

// Representative shapes, for the snapshot (the service runs `leadListStatement`'s, which are built the same way).
const EVERY_FILTER: LeadListFilters = {
  accountId: '1',
  archived: false,
  teamId: 1,
  leadSourceId: 1,
  assignedTo: 'a@example.com',
  processStage: 'new',
  createdBy: 'b@example.com',
  createdFrom: '2026-01-01T00:00:00Z',
  createdTo: '2026-02-01T00:00:00Z',
  after: { createdAt: '2026-01-15T00:00:00.000000Z', id: 1 },
};
const SHAPES: [string, LeadListFilters, LeadListStep][] = [
  ['list.keyset', { accountId: '1', archived: false }, 'keyset'],
  ['list.keyset.every-filter', EVERY_FILTER, 'keyset'],
  ['list.walk', { accountId: '1', archived: false, q: 'ada' }, 'walk'],
  ['list.trigram', { accountId: '1', archived: false, q: 'ada' }, 'trigram'],
];
for (const [name, f, step] of SHAPES) defineSql(`leads/${name}`, leadListSql(f, step, 25).sql);
