import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { EntityManager } from 'typeorm';
import type { DuplicatePolicy } from '../accounts/account.entity';
import { DUPLICATE_SETTINGS } from '../accounts/accounts.queries';
import { hasPermission } from '../accounts/roles';
import type { AccountContext } from '../common/account-context';
import { RecentMap } from '../common/recent-map';
import { ValidationException } from '../common/http/validation.exception';
import { preparedRows, sqlRows } from '../database/sql';
import { AssignmentService } from '../rotations/assignment.service';
import { BatchRouter } from './bulk-assignment';
import { numericId } from '../database/numeric-id';
import { NO_ROTATION } from '../rotations/assignment.service';
import { LeadInputDto } from './dto/lead-input.dto';
import type { LeadDto } from './dto/lead.dto';
import { FIND_MATCHES, LOCK_MATCH_KEYS, MATCHES_PER_KEY } from './duplicates.queries';
import { INPUT_COLUMNS, type LeadValues } from './lead-columns';
import { leadRecord, toInserted, UnexpectedInsertResult, type FirstTouch, type LeadToInsert } from './lead-insert';
import { checkLeadRules, type CheckedCandidates } from './lead-rules';
import { DuplicateErrors, LeadError, LeadErrors, type DuplicateRef } from './leads.errors';
import { INSERT_LEADS } from './leads.queries';
import { matchKeysOf, type MatchField, type MatchKeys } from './match-keys';

/** An account's settings that decide how a new lead is matched and what a match does. */
export interface DuplicateSettings {
  country: string;
  policy: DuplicatePolicy;
}

export interface BatchOptions {
  skipTeamAndSourceRequirement: boolean;
  /** ?onDuplicate: overrides the account's policy for this request */
  onDuplicate?: DuplicatePolicy;
}

/** A lead of a batch as received: its input (validated), or why it is refused before any rule. */
export type BatchItem = { index: number; input: LeadInputDto } | { index: number; refused: Error };

/** The outcome of one lead of a batch, in the batch's order. */
export type BatchOutcome = { index: number; lead: LeadDto } | { index: number; error: Error };

/** The most leads one bulk call (or one chunk of an import) holds. */
export const MAX_BATCH_LEADS = 1000;

/** Accounts whose settings a process remembers (for POST /leads's one-statement path, which re-checks them). */
const SETTINGS_CACHE_SIZE = 10_000;

/** Who a duplicate points at: a live lead (its id) or an earlier lead of the same batch (its position). */
type Ref = { id: number } | { ord: number };

interface Match {
  ref: Ref;
  /** Higher is newer: existing leads are older than any lead of the batch */
  recency: number;
  /** The lead's assignee when it is an active member (an owner a duplicate may go to); `{ord}`: decided by the batch */
  owner: string | { ord: number } | null;
  on: Set<MatchField>;
}

interface Judged {
  index: number;
  values: LeadValues;
  keys: MatchKeys;
  /** data.assignment of the entry */
  assignment?: Record<string, unknown>;
  /** The first-touch timer of the rotation that assigned it */
  firstTouch?: FirstTouch | null;
  /** assign_to_owner: the batch lead whose assignee this one takes */
  ownerOrd?: number;
  /** reject: the leads it duplicates */
  duplicates?: Match[];
  error?: Error;
  /** Position among the created leads (insert order) */
  ord?: number;
}

/**
 * Leads judged and assigned in one transaction exactly as if each had been POSTed alone, in order: POST
 * /leads under `reject` / `assign_to_owner` (a batch of one), POST /leads/bulk and each chunk of an import.
 * A few statements per batch, whatever its size: [match-key locks] → rules 1-5 (one read per distinct team,
 * source and assignee) → [live matches, one read] → rotation turns (one per rotation) → one insert of every
 * lead and its `lead_created` entry.
 *
 * Exactness under concurrency: under `reject` or `assign_to_owner` the batch first locks its match keys
 * (LOCK_MATCH_KEYS, its own statement) and only then reads the matches, so a concurrent create of the same
 * email or phone either committed before the read (and is seen) or waits for this transaction.
 */
@Injectable()
export class LeadBatchService {
  private readonly settingsCache = new RecentMap<string, DuplicateSettings>(SETTINGS_CACHE_SIZE);

  constructor(private readonly assignment: AssignmentService) {}

  /** The settings this process last read for the account (POST /leads's one-statement path re-checks them in SQL). */
  cachedSettings(accountId: string): DuplicateSettings | undefined {
    return this.settingsCache.get(accountId);
  }

  /** The account's settings as committed now (and remembered). */
  async settings(m: EntityManager, accountId: string): Promise<DuplicateSettings> {
    const [row] = await preparedRows(m, DUPLICATE_SETTINGS, { accountId });
    const settings: DuplicateSettings = { country: row?.default_country ?? 'US', policy: row?.duplicate_policy ?? 'allow' };
    this.settingsCache.set(accountId, settings);
    return settings;
  }

  /** Judges and writes `items` in their order (see the class); every lead's outcome, in the same order. */
  async create(m: EntityManager, ctx: AccountContext, items: readonly BatchItem[], options: BatchOptions, settings: DuplicateSettings): Promise<BatchOutcome[]> {
    const policy = options.onDuplicate ?? settings.policy;
    const judged: Judged[] = items.map((item) => {
      const values = {} as LeadValues;
      if ('refused' in item) return { index: item.index, values, keys: { emailKey: null, phoneKey: null }, error: item.refused };
      const input = item.input;
      for (const [field] of INPUT_COLUMNS) values[field] = input[field] ?? null;
      values.archived ??= false;
      values.createdBy ??= ctx.user;
      const keys = matchKeysOf(values, settings.country);
      if (input.archived === true && !hasPermission(ctx.role, 'leads:archive')) return { index: item.index, values, keys, error: LeadErrors.archiveNotAllowed() };
      return { index: item.index, values, keys };
    });
    const live = judged.filter((j) => !j.error);
    if (live.length === 0) return outcomes(judged, []);

    if (policy !== 'allow') await this.lockKeys(m, ctx.accountId, live);
    const candidates = await this.checkRules(m, ctx.accountId, live, options.skipTeamAndSourceRequirement);
    const known = policy === 'allow' ? null : await this.liveMatches(m, ctx.accountId, live);

    // the rotations that may serve the batch's leads, locked (id order) with their positions and cap counters
    const router = new BatchRouter(this.assignment);
    for (const lead of judged) {
      if (!lead.error && lead.values.assignedTo === null) router.consider((lead.values.teamId as number | null) ?? null, candidates.get(rulesKey(lead))!.rows);
    }
    await router.open(m, ctx.accountId);
    const created: Judged[] = [];
    for (const lead of judged) {
      if (lead.error) continue;
      if (known) {
        const matches = matchesOf(known, lead.keys);
        if (policy === 'reject' && matches.length > 0) {
          lead.duplicates = matches;
          continue;
        }
        if (policy === 'assign_to_owner' && lead.values.assignedTo === null) {
          const owner = matches.find((match) => match.owner !== null)?.owner;
          if (typeof owner === 'string') lead.values.assignedTo = owner;
          else if (owner) lead.ownerOrd = owner.ord;
          if (owner) lead.assignment = duplicateOwner(typeof owner === 'string' ? owner : null);
        }
      }
      lead.ord = created.length;
      created.push(lead);
      let assigned = lead.values.assignedTo !== null || lead.ownerOrd !== undefined;
      if (!assigned) {
        // the routing engine, as POST /leads would run it now: one turn of the rotation that chose, caps counted
        const how = router.next((lead.values.teamId as number | null) ?? null);
        if (how.user !== null) {
          lead.values.assignedTo = how.user;
          lead.assignment = { ...how };
          lead.firstTouch = router.firstTouchOf(how);
          assigned = true;
        } else if (how !== NO_ROTATION) lead.assignment = { ...how };
      }
      // a lead of the batch is an owner for the leads after it when it gets an assignee (its own, a turn's, an owner's)
      if (known) remember(known, lead.keys, { ord: lead.ord }, 1 + lead.ord, assigned);
    }
    await router.finish(m, ctx.accountId);
    for (const lead of created) {
      if (lead.ownerOrd === undefined) continue;
      const owner = created[lead.ownerOrd].values.assignedTo as string | null;
      lead.values.assignedTo = owner;
      lead.assignment = owner === null ? undefined : duplicateOwner(owner);
    }
    // under reject, the created leads fence their keys (src/leads/lead-insert.ts FENCE_INDEXES)
    const leads = await this.insert(m, ctx, created, policy === 'reject');
    return outcomes(judged, leads);
  }

  /**
   * POST /leads under `reject` (one lead, its rules passed): its match keys locked, then the live leads with the
   * same keys read; 409 listing them if there are any.
   */
  async refuseDuplicates(m: EntityManager, accountId: string, keys: MatchKeys): Promise<void> {
    const lead: Judged = { index: 0, values: {} as LeadValues, keys };
    await this.lockKeys(m, accountId, [lead]);
    const known = await this.liveMatches(m, accountId, [lead]);
    const matches = matchesOf(known, keys);
    if (matches.length > 0) throw DuplicateErrors.duplicate(matches.map((match) => ({ id: (match.ref as { id: number }).id, matchedOn: (['email', 'phone'] as const).filter((f) => match.on.has(f)) })));
  }

  private async lockKeys(m: EntityManager, accountId: string, leads: readonly Judged[]): Promise<void> {
    const keys = new Set<string>();
    for (const { keys: k } of leads) {
      if (k.emailKey !== null) keys.add(`${accountId}:email:${k.emailKey}`);
      if (k.phoneKey !== null) keys.add(`${accountId}:phone:${k.phoneKey}`);
    }
    if (keys.size > 0) await sqlRows(m, LOCK_MATCH_KEYS, { keys: [...keys] });
  }

  /** Rules 1-5 for each distinct (team, source, assignee) of the batch, in one read each; a lead failing them gets its error. */
  private async checkRules(m: EntityManager, accountId: string, leads: Judged[], skip: boolean): Promise<Map<string, CheckedCandidates>> {
    const checked = new Map<string, CheckedCandidates | LeadError>();
    for (const lead of leads) {
      const key = rulesKey(lead);
      let result = checked.get(key);
      if (result === undefined) {
        const teamId = (lead.values.teamId as number | null) ?? null;
        const leadSourceId = (lead.values.leadSourceId as number | null) ?? null;
        const assignedTo = (lead.values.assignedTo as string | null) ?? null;
        try {
          result = await checkLeadRules(m, accountId, { teamAndSource: { teamId, leadSourceId }, assignedTo }, skip, assignedTo === null);
        } catch (error) {
          if (!(error instanceof LeadError)) throw error;
          result = error;
        }
        checked.set(key, result);
      }
      if (result instanceof LeadError) lead.error = result;
    }
    return checked as Map<string, CheckedCandidates>;
  }

  /** The live leads matching the batch's keys, by key (`email:…`, `phone:…`), newest first. */
  private async liveMatches(m: EntityManager, accountId: string, leads: readonly Judged[]): Promise<Map<string, Match[]>> {
    const emails = new Set<string>();
    const phones = new Set<string>();
    for (const { keys, error } of leads) {
      if (error) continue;
      if (keys.emailKey !== null) emails.add(keys.emailKey);
      if (keys.phoneKey !== null) phones.add(keys.phoneKey);
    }
    const known = new Map<string, Match[]>();
    if (emails.size === 0 && phones.size === 0) return known;
    const rows = await sqlRows(m, FIND_MATCHES, { accountId, emails: [...emails], phones: [...phones], perKey: MATCHES_PER_KEY, excludeId: null });
    rows.forEach((row, i) => {
      const owner = row.assigned_to !== null && row.assignee_active === true ? row.assigned_to : null;
      const keys = { emailKey: emails.has(row.email_key ?? '') ? row.email_key : null, phoneKey: phones.has(row.phone_key ?? '') ? row.phone_key : null };
      // rows come newest first: the first gets the highest (still negative) recency
      rememberExisting(known, keys, { id: numericId(row.id) }, -1 - i, owner);
    });
    return known;
  }

  /** Every created lead and its `lead_created` entry, in ONE statement, ids drawn in the batch's order. */
  private async insert(m: EntityManager, ctx: AccountContext, created: Judged[], fenced: boolean): Promise<LeadDto[]> {
    if (created.length === 0) return [];
    const records = created.map((lead, ord) => {
      const toInsert: LeadToInsert = { values: lead.values, actor: ctx, keys: lead.keys, assignment: lead.assignment, firstTouch: lead.firstTouch, fenced };
      return { ord, ...leadRecord(toInsert) };
    });
    const rows = await preparedRows(m, INSERT_LEADS.batchChecked, { accountId: ctx.accountId, leads: JSON.stringify(records) });
    if (rows.length !== created.length) throw new UnexpectedInsertResult(created.length, rows.length);
    const out: LeadDto[] = new Array(created.length);
    for (const row of rows) out[row.ord] = toInserted(row);
    return out;
  }
}

/** Leads with the same team, source and assignee share their rules' answer. */
const rulesKey = (lead: Judged) => `${lead.values.teamId ?? ''}\0${lead.values.leadSourceId ?? ''}\0${lead.values.assignedTo ?? ''}`;

function rememberExisting(known: Map<string, Match[]>, keys: MatchKeys, ref: Ref, recency: number, owner: string | null): void {
  for (const [field, key] of keyEntries(keys)) {
    let list = known.get(`${field}:${key}`);
    if (!list) known.set(`${field}:${key}`, (list = []));
    list.push({ ref, recency, owner, on: new Set([field]) });
  }
}

function remember(known: Map<string, Match[]>, keys: MatchKeys, ref: { ord: number }, recency: number, isOwner: boolean): void {
  for (const [field, key] of keyEntries(keys)) {
    let list = known.get(`${field}:${key}`);
    if (!list) known.set(`${field}:${key}`, (list = []));
    list.unshift({ ref, recency, owner: isOwner ? ref : null, on: new Set([field]) });
  }
}

function keyEntries(keys: MatchKeys): [MatchField, string][] {
  const out: [MatchField, string][] = [];
  if (keys.emailKey !== null) out.push(['email', keys.emailKey]);
  if (keys.phoneKey !== null) out.push(['phone', keys.phoneKey]);
  return out;
}

/** The leads (live or of the batch) a lead's keys match, newest first, each with what it matched on. */
function matchesOf(known: Map<string, Match[]>, keys: MatchKeys): Match[] {
  const byRef = new Map<string, Match>();
  for (const [field, key] of keyEntries(keys)) {
    for (const match of known.get(`${field}:${key}`) ?? []) {
      const id = 'id' in match.ref ? `id:${match.ref.id}` : `ord:${match.ref.ord}`;
      const seen = byRef.get(id);
      if (seen) seen.on.add(field);
      else byRef.set(id, { ...match, on: new Set([field]) });
    }
  }
  return [...byRef.values()].sort((a, b) => b.recency - a.recency);
}

/** Each item's outcome: its lead, or its error (a reject's duplicates named by id once the batch has ids). */
function outcomes(judged: Judged[], leads: LeadDto[]): BatchOutcome[] {
  const idOf = (ref: Ref) => ('id' in ref ? ref.id : leads[ref.ord].id);
  return judged.map((lead): BatchOutcome => {
    if (lead.error) return { index: lead.index, error: lead.error };
    if (lead.duplicates) {
      const duplicates: DuplicateRef[] = lead.duplicates.map((match) => ({ id: idOf(match.ref), matchedOn: (['email', 'phone'] as const).filter((f) => match.on.has(f)) }));
      return { index: lead.index, error: DuplicateErrors.duplicate(duplicates) };
    }
    return { index: lead.index, lead: leads[lead.ord!] };
  });
}

/**
 * A bulk lead (or CSV row) as a LeadInput: validated as POST /leads validates its body, or its 400. Synchronously:
 * every validator of LeadInputDto is synchronous, and a thousand pending validations held a thousand promises.
 */
export function toLeadInput(raw: unknown): LeadInputDto | ValidationException {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return new ValidationException([{ field: '', message: 'a lead must be a JSON object' }], 'Request validation failed');
  }
  const input = plainToInstance(LeadInputDto, raw, { enableImplicitConversion: false });
  const errors = validateSync(input, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, validationError: { target: false, value: false } });
  return errors.length > 0 ? ValidationException.fromErrors(errors) : input;
}

/** data.assignment of a lead that went to the owner of the lead it duplicates (API.md sections 9, 11): no rotation consulted. */
export function duplicateOwner(user: string | null): Record<string, unknown> {
  return { rotationId: null, user, reason: 'duplicate_owner', fallbackFromTeamRotationId: null, candidates: [], consulted: [] };
}
