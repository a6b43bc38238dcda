import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../audit/actor';
import { actorRecord } from '../audit/audit.queries';
import { toAuditEntryDto } from '../audit/dto/audit-entry.dto';
import { preparedRows } from '../database/sql';
import type { AssignmentPlan } from '../rotations/assignment.service';
import { type LeadDto, type LeadRow, toLeadDto } from './dto/lead.dto';
import { INPUT_COLUMNS, type LeadValues } from './lead-columns';
import { INSERT_LEADS, type InsertedLeadRow, type InsertGuardParams } from './leads.queries';

/** One lead to insert: its values and who asks for it. */
export interface LeadToInsert {
  values: LeadValues;
  actor: Actor;
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

function leadRecords(leads: readonly LeadToInsert[]): string {
  return JSON.stringify(
    leads.map(({ values, actor }, ord) => {
      const record: Record<string, unknown> = { ord };
      for (const [field, column] of INPUT_COLUMNS) record[column] = values[field];
      record.audit_data = auditValues(values);
      return Object.assign(record, actorRecord(actor));
    }),
  );
}

function toInserted(row: InsertedLeadRow): LeadDto {
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
): Promise<LeadDto[] | null> {
  const base = { accountId, leads: leadRecords(leads) };
  const turn = plan && {
    rotationId: plan.rotationId,
    membersVersion: plan.membersVersion,
    users: plan.users,
    schedule: plan.schedule,
    how: JSON.stringify({ rotationId: plan.rotationId, skipped: plan.skipped, fallbackFromTeamRotationId: plan.fallbackFromTeamRotationId }),
    lockTimeout,
  };
  let rows: InsertedLeadRow[];
  if (guard) {
    rows = turn ? await preparedRows(db, INSERT_LEADS.guardedTurn, { ...base, ...guard, ...turn }) : await preparedRows(db, INSERT_LEADS.guarded, { ...base, ...guard });
  } else {
    rows = turn ? await preparedRows(db, INSERT_LEADS.turn, { ...base, ...turn }) : await preparedRows(db, INSERT_LEADS.plain, base);
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
