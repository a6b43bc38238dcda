import { ACTOR_RECORD_TYPES, actorOf, insertAuditEntries, type AuditRow } from '../audit/audit.queries';
import { defineQuery } from '../database/sql';
import { liveSourceCte, teamHasLiveSources } from '../lead-sources/lead-sources.queries';
import { candidatesJson, turnAssignee, turnCte, type CandidateRow } from '../rotations/rotations.queries';
import { accountHasLiveTeams, liveTeamCte } from '../teams/teams.queries';
import { LEAD_COLUMNS, type LeadRow } from './dto/lead.dto';
import { INPUT_COLUMNS } from './lead-columns';

/**
 * The leads feature's raw SQL for POST /leads: rules 1-5 (with the rotations that may serve the lead) and the
 * one builder of the lead insert. Other modules' tables are reached through their fragments (teams, lead
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
  assignee AS (SELECT 1 FROM memberships WHERE account_id = ${p.account} AND email = ${p.assignee} AND active FOR SHARE)`;

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
  team: ':teamId::integer',
  source: ':leadSourceId::integer',
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
    FROM (SELECT CASE WHEN :withCandidates::boolean THEN ${candidatesJson(':accountId::bigint', ':teamId::integer')} END AS candidates) c`,
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
};

/** One lead of the `:leads` recordset: its place, its column values, what its entry keeps, and its actor. */
const LEAD_RECORD = [
  'ord integer',
  ...INPUT_COLUMNS.map(([, column]) => `${column} ${COLUMN_TYPES[column] ?? 'text'}`),
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

/** A row of the insert: the lead, its `ord` in the input, and its `lead_created` entry (as JSON). */
export type InsertedLeadRow = LeadRow & { ord: number; entry: AuditRow & { created_at: string } };

/**
 * THE lead insert: n leads (n = 1 for a lone request) in ONE statement, each with its `lead_created` entry.
 * - `turn`: the plan's rotation advances by n at once (`turnCte`), lead i takes turn first + i; nothing is
 *   written when the rotation changed since it was planned.
 * - `guarded`: run on its own (its own implicit transaction), it writes only when rules 1-5 pass and, when
 *   `:candidatesText` is not null, the rotations that may serve the leads still read as that text (so the plan
 *   is the one that would be made now); the checked path runs it unguarded after `CHECK_RULES` in its transaction.
 * Lead ids are drawn from the sequence in `ord` order (only once the guard and the turn passed), so each row is
 * matched to its request by `ord`, whatever order rows come back in.
 */
function insertLeadsSql(shape: { turn: boolean; guarded: boolean }): string {
  const ctes = [`input AS (SELECT * FROM jsonb_to_recordset(:leads::jsonb) AS x(${LEAD_RECORD}))`];
  if (shape.guarded) {
    const rules: RuleExpressions = { ...CHECK_EXPRESSIONS };
    ctes.push(ruleCtes(rules));
    ctes.push(`rules AS (SELECT ${rulesPass(rules)}
      AND (:candidatesText::text IS NULL OR ${candidatesJson(rules.account, rules.team)}::text = :candidatesText::text) AS pass)`);
  }
  if (shape.turn) {
    const step = '(SELECT count(*)::integer FROM input)';
    const when = shape.guarded ? '(SELECT pass FROM rules)' : undefined;
    ctes.push(turnCte({ account: ':accountId::bigint', rotation: ':rotationId::integer', version: ':membersVersion::integer', step, lockTimeout: ':lockTimeout::text', when }));
  }
  const gate = shape.turn ? ', turn' : shape.guarded ? ' WHERE (SELECT pass FROM rules)' : '';
  ctes.push(`ids AS MATERIALIZED (SELECT ord, nextval(pg_get_serial_sequence('leads', 'id'))::integer AS id
                              FROM (SELECT ord FROM input${gate} ORDER BY ord) o)`);
  const assignee = shape.turn ? turnAssignee({ users: ':users', schedule: ':schedule' }, 'turn.slot + input.ord') : 'input.assigned_to';
  ctes.push(`slots AS (SELECT input.*, ids.id, ${assignee} AS assignee FROM input JOIN ids USING (ord)${shape.turn ? ', turn' : ''})`);
  const columns = INPUT_COLUMNS.map(([, column]) => column);
  ctes.push(`lead AS (
      INSERT INTO leads (id, account_id, ${columns.join(', ')})
      SELECT id, :accountId::bigint, ${columns.map((c) => (c === 'assigned_to' ? 'assignee' : c)).join(', ')} FROM slots
      RETURNING ${LEAD_COLUMNS})`);
  const data = shape.turn ? createdEntryData('slots.audit_data', 'slots.assignee', ':how::jsonb') : 'slots.audit_data';
  const entry = { account: ':accountId::bigint', event: `'lead_created'`, entityType: `'lead'`, entityId: 'slots.id::text', data, actor: actorOf('slots') };
  ctes.push(`entry AS (
      ${insertAuditEntries(entry, 'FROM slots')})`);
  return `WITH ${ctes.join(',\n  ')}
  SELECT ids.ord, lead.*, to_json(entry.*) AS entry
    FROM ids JOIN lead USING (id) JOIN entry ON entry.entity_id = lead.id::text`;
}

/** The four shapes of the insert, by whether a turn is taken and whether the statement guards itself. */
export const INSERT_LEADS = {
  plain: defineQuery<InsertLeadsParams, InsertedLeadRow>('leads/insert', insertLeadsSql({ turn: false, guarded: false })),
  turn: defineQuery<InsertLeadsParams & InsertTurnParams, InsertedLeadRow>('leads/insert.turn', insertLeadsSql({ turn: true, guarded: false })),
  guarded: defineQuery<InsertLeadsParams & InsertGuardParams, InsertedLeadRow>('leads/insert.guarded', insertLeadsSql({ turn: false, guarded: true })),
  guardedTurn: defineQuery<InsertLeadsParams & InsertGuardParams & InsertTurnParams, InsertedLeadRow>(
    'leads/insert.guarded.turn',
    insertLeadsSql({ turn: true, guarded: true }),
  ),
};

