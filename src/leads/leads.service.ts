import { HttpException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { hasPermission } from '../accounts/roles';
import type { AccountContext } from '../common/account-context';
import { mayHaveCommitted, sqlState } from '../common/filters/database-errors';
import { AssignmentService, type AssignmentExplanation, type AssignmentPlan, type DecidedTurns, type RotationState } from '../rotations/assignment.service';
import { RotationErrors } from '../rotations/rotations.errors';
import { LeadInputDto } from './dto/lead-input.dto';
import type { LeadDto } from './dto/lead.dto';
import type { IdempotentRequest } from './idempotency';
import { IdempotencyService, type StoredResponse } from './idempotency.service';
import { INPUT_COLUMNS, type LeadValues } from './lead-columns';
import { KeyedBatcher } from './keyed-batcher';
import { LeadCreatePaths } from './lead-create-paths';
import { insertLeads, isFenceViolation, MAX_LEADS_PER_STATEMENT, UnexpectedInsertResult, type InsertGuard, type LeadToInsert } from './lead-insert';
import { checkLeadRules } from './lead-rules';
import { LeadBatchService, type BatchOptions, type DuplicateSettings } from './lead-batch.service';
import { matchKeysOf, type MatchKeys } from './match-keys';
import { PlanCache, type LearntPlan } from './plan-cache';
import { LeadErrors } from './leads.errors';
import { runBatchTransaction } from './bulk-assignment';

/** A rotation changing between its plan and its turn makes us plan again; a few tries always suffice in practice. */
const MAX_PLAN_ATTEMPTS = 5;

export type CreateLeadOptions = BatchOptions;

/** An answer of POST /leads: a new lead, or the stored answer of an earlier request with the same key. */
export interface CreateLeadResult extends StoredResponse<LeadDto> {
  replayed: boolean;
}

@Injectable()
export class LeadsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly assignment: AssignmentService,
    private readonly idempotency: IdempotencyService,
    private readonly paths: LeadCreatePaths,
    private readonly batches: LeadBatchService,
  ) {}

  /** The plan the last lead of each (account, team) was assigned by, for the one-statement insert. */
  private readonly learntPlans = new PlanCache(PLAN_CACHE_BYTES);
  /** Leads of one team and source that arrive while a statement of theirs runs, written together after it. */
  private readonly teamBatches = new KeyedBatcher<LeadToInsert, LeadDto>(MAX_LEADS_PER_STATEMENT);

  /**
   * POST /leads, in one of two ways that write the same rows:
   * - at once (no Idempotency-Key): ONE statement checks rules 1-5, takes the rotation's turn and inserts the
   *   lead and its entry (`insertLeads` guarded), using the plan an earlier lead of the same team made, which
   *   the statement verifies is still the one the rotations give; if any rule fails or the rotations changed, it
   *   writes nothing and the request takes the checked way;
   * - checked: one transaction: [Idempotency-Key lock and lookup] → rules 1-5 and the rotations (one read,
   *   share-locking the team, source and assignee) → rotation step + lead + `lead_created` entry (one
   *   statement, the last before COMMIT, so the rotation's row lock is held only that long) → [stored answer].
   * Duplicates (API.md section 11): the one-statement way is taken under `allow` and `reject` (the policy and
   * the default country this process knows, which the statement verifies); under `reject` it writes only a
   * lead it sees no duplicate of, and the lead fences its match keys: a concurrent create of the same key under
   * `reject` that committed first makes the insert fail on a fence index (FENCE_INDEXES, 23505: nothing written,
   * the checked way answers). The checked way reads the account's settings; under `reject` it locks the keys,
   * reads the matches after rules 1-5 and fences the keys too (a fence violation there, from a one-statement
   * create that committed between its read and its insert, runs its transaction again: runBatchTransaction);
   * under `assign_to_owner` it hands the lead to LeadBatchService as a batch of one.
   * A rotation whose row stays locked by others past ROTATION_LOCK_TIMEOUT_MS answers 503 with Retry-After.
   */
  async create(ctx: AccountContext, input: LeadInputDto, options: CreateLeadOptions, idempotency: IdempotentRequest | null): Promise<CreateLeadResult> {
    if (input.archived === true && !hasPermission(ctx.role, 'leads:archive')) throw LeadErrors.archiveNotAllowed();
    const values = leadValues(ctx, input);
    try {
      if (!idempotency) {
        const lead = await this.insertAtOnce(ctx, input, values, options);
        if (lead) return { status: 201, body: lead, replayed: false };
      }
      return await runBatchTransaction(this.dataSource, async (m) => {
        if (idempotency) {
          const replay = await this.idempotency.claim<LeadDto>(m, ctx.accountId, idempotency);
          if (replay) return { ...replay, replayed: true };
        }
        const settings = await this.batches.settings(m, ctx.accountId);
        let lead: LeadDto;
        const policy = options.onDuplicate ?? settings.policy;
        if (policy === 'allow') lead = await this.insertChecked(m, ctx, input, values, options, settings);
        else if (policy === 'reject') {
          // after rules 1-5: the lead's match keys locked, then its live duplicates looked for (409 if any)
          lead = await this.insertChecked(m, ctx, input, values, options, settings, (keys) => this.batches.refuseDuplicates(m, ctx.accountId, keys));
        } else {
          const [outcome] = await this.batches.create(m, ctx, [{ index: 0, input }], options, settings);
          if ('error' in outcome) throw outcome.error;
          lead = outcome.lead;
        }
        const answer: StoredResponse<LeadDto> = { status: 201, body: lead };
        if (idempotency) await this.idempotency.complete(m, ctx.accountId, idempotency, answer);
        this.paths.created('checked', 1);
        return { ...answer, replayed: false };
      });
    } catch (error) {
      if (sqlState(error) === LOCK_NOT_AVAILABLE) throw RotationErrors.busy(); // nothing was written
      throw error;
    }
  }

  /**
   * The one-statement insert, when this process knows a plan for the lead's team (or the lead names its
   * assignee). Leads through a rotation are batched per team and source: while one statement of theirs runs
   * (and holds the rotation's row lock), the leads that arrive wait here, holding no connection, and then go
   * together in one statement, in arrival order.
   */
  private async insertAtOnce(ctx: AccountContext, input: LeadInputDto, values: LeadValues, options: CreateLeadOptions): Promise<LeadDto | null> {
    const teamId = input.teamId ?? null;
    const leadSourceId = input.leadSourceId ?? null;
    const skip = options.skipTeamAndSourceRequirement;
    // the statement writes only while the account's settings are still these (else the checked way reads them)
    // (its policy, when no ?onDuplicate says; its default country, when the lead has a phone to key)
    const settings = this.batches.cachedSettings(ctx.accountId);
    const policy = options.onDuplicate ?? settings?.policy ?? 'allow';
    if (policy === 'assign_to_owner') return null;
    // reject: the statement writes only a lead it sees no duplicate of, and the lead fences its keys
    const rejectDuplicates = policy === 'reject';
    const expected = options.onDuplicate === undefined ? policy : null;
    const hasPhone = typeof values.phone === 'string' && /\d/.test(values.phone);
    if (hasPhone && !settings) return null;
    const country = hasPhone ? settings!.country : null;
    const lead: LeadToInsert = { values, actor: ctx, keys: matchKeysOf(values, country ?? 'US'), fenced: rejectDuplicates };
    const shared = { teamId, leadSourceId, skip, country, policy: expected, rejectDuplicates };
    const assignee = values.assignedTo as string | null;
    if (assignee !== null) return this.insertAlone(ctx.accountId, lead, null, { ...shared, assignee, candidatesText: null });
    const planKey = planKeyOf(ctx.accountId, teamId);
    const learnt = this.learntPlans.get(planKey);
    if (!learnt) return null;
    const alone = () => this.insertAlone(ctx.accountId, lead, learnt.plan, { ...shared, assignee: null, candidatesText: learnt.candidatesText }, learnt);
    if ((!learnt.plan && !learnt.stateful) || teamId === null) return alone();
    // a batch shares its team, source, skip and settings, so one guard checks rules 1-4 (and the settings) for all
    // its leads; under reject, two leads of one batch with the same key fail on the fence index (23505), and
    // each lead of the batch then takes the checked way, which judges them one after the other
    return this.teamBatches.run(`${planKey}\0${leadSourceId ?? ''}\0${skip}\0${country ?? ''}\0${expected ?? ''}`, lead, alone, (leads) =>
      this.insertTogether(ctx.accountId, planKey, leads, { ...shared, teamId }),
    );
  }

  private async insertAlone(accountId: string, lead: LeadToInsert, plan: AssignmentPlan | null, guard: InsertGuard, learnt?: LearntPlan): Promise<LeadDto | null> {
    const created = await this.writeAtOnce(accountId, [lead], plan, guard, learnt);
    if (!created) return null;
    this.paths.created('at-once', 1);
    return created[0];
  }

  /**
   * Leads that waited for their team's statement, in one statement with the freshest plan. Null (each lead then
   * takes the checked path, which answers for it alone) only when nothing can have been written: the guard
   * failed, or the statement failed with an error of its own. A failure after which the batch may have
   * committed (connection lost, rows not understood) is every lead's 503: retrying them would create them twice.
   */
  private async insertTogether(
    accountId: string,
    planKey: string,
    leads: LeadToInsert[],
    shared: { teamId: number; leadSourceId: number | null; skip: boolean; country: string | null; policy: string | null; rejectDuplicates: boolean },
  ): Promise<LeadDto[] | null> {
    const learnt = this.learntPlans.get(planKey);
    if ((!learnt?.plan && !learnt?.stateful) || learnt.candidatesText === null) return null;
    const guard: InsertGuard = { ...shared, assignee: null, candidatesText: learnt.candidatesText };
    try {
      const created = await this.writeAtOnce(accountId, leads, learnt.plan, guard, learnt);
      if (created) this.paths.created('batched', created.length);
      return created;
    } catch (error) {
      if (error instanceof HttpException || sqlState(error) === LOCK_NOT_AVAILABLE) throw error; // every lead of the batch gets it
      if (sqlState(error) !== undefined) return null; // the statement failed: its implicit transaction wrote nothing
      throw error;
    }
  }

  /**
   * `insertLeads` run on its own (autocommit). When it fails in a way that may have come after its commit (the
   * connection lost mid-statement, rows not understood), the answer is 503 "may or may not have been created":
   * the server never writes those leads again behind the client's back.
   */
  private async writeAtOnce(accountId: string, leads: LeadToInsert[], plan: AssignmentPlan | null, guard: InsertGuard, learnt?: LearntPlan): Promise<LeadDto[] | null> {
    try {
      // rotations with caps or availability: decided from the state this process wrote last, applied only if it still holds
      if (learnt?.stateful) return await this.writeDecided(accountId, leads, guard, learnt.stateful);
      const decided = !plan && learnt?.none && guard.assignee === null ? explainedOnly(learnt.none, leads.length) : null;
      return await insertLeads(this.dataSource, accountId, leads, decided ? null : plan, guard, this.assignment.lockTimeout, decided);
    } catch (error) {
      // a concurrent create of the same key under reject committed first (its fence), or a deadlock with one (two
      // batches inserting two keys in opposite orders): the statement wrote nothing; the checked way answers
      if (isFenceViolation(error) || sqlState(error) === DEADLOCK_DETECTED) return null;
      if (error instanceof UnexpectedInsertResult || mayHaveCommitted(error)) throw LeadErrors.outcomeUnknown();
      throw error;
    }
  }

  /**
   * Rotations with caps or availability, at once: decided from the state this process knows and written only while
   * that state still holds. When the statement wrote nothing, the rotation may have moved on (another process, or
   * a lead of this one on the checked path): the state is read again (one read, no lock) and the leads decided
   * again, a few times, before they take the checked path; otherwise every lead of a failed batch would take it,
   * each moving the rotation under the next batch.
   */
  private async writeDecided(accountId: string, leads: LeadToInsert[], guard: InsertGuard, stateful: NonNullable<LearntPlan['stateful']>): Promise<LeadDto[] | null> {
    for (let attempt = 1; attempt <= MAX_DECIDED_ATTEMPTS; attempt++) {
      const decided = this.assignment.decide(stateful.rotations, stateful.states, leads.length, Date.now());
      if (!decided) return null;
      const created = await insertLeads(this.dataSource, accountId, leads, null, guard, this.assignment.lockTimeout, decided);
      if (created) {
        stateful.states = newerStates(stateful.states, decided.after);
        return created;
      }
      if (attempt === MAX_DECIDED_ATTEMPTS) break;
      const fresh = await this.assignment.readStates(this.dataSource, accountId, stateful.rotations);
      if (!fresh) return null; // a rotation changed: the checked path plans afresh
      stateful.states = newerStates(stateful.states, fresh);
    }
    return null;
  }

  private async insertChecked(
    m: EntityManager,
    ctx: AccountContext,
    input: LeadInputDto,
    values: LeadValues,
    options: CreateLeadOptions,
    settings: DuplicateSettings,
    refuseDuplicates?: (keys: MatchKeys) => Promise<void>,
  ): Promise<LeadDto> {
    const teamAndSource = { teamId: input.teamId ?? null, leadSourceId: input.leadSourceId ?? null };
    const assignedTo = values.assignedTo as string | null;
    // reject (`refuseDuplicates`): a lead with no duplicate fences its keys, as the one-statement way's do
    const lead: LeadToInsert = { values, actor: ctx, keys: matchKeysOf(values, settings.country), fenced: refuseDuplicates !== undefined };
    const lockTimeout = this.assignment.lockTimeout;
    // rules 1-5 and, when the lead needs an assignee, the rotations that may serve it: one round trip
    const candidates = await checkLeadRules(m, ctx.accountId, { teamAndSource, assignedTo }, options.skipTeamAndSourceRequirement, assignedTo === null);
    if (refuseDuplicates) await refuseDuplicates(lead.keys!);
    if (assignedTo !== null) return (await insertLeads(m, ctx.accountId, [lead], null, null, lockTimeout))![0];

    let routing = this.assignment.planFrom(candidates.rows);
    const planKey = planKeyOf(ctx.accountId, teamAndSource.teamId);
    for (let attempt = 1; attempt <= MAX_PLAN_ATTEMPTS; attempt++) {
      if (attempt > 1) routing = await this.assignment.plan(m, ctx.accountId, teamAndSource.teamId);
      if (routing.stateful) {
        // caps or availability: decide under the rotations' row locks, from their position and counters
        const states = await this.assignment.lockStates(m, ctx.accountId, routing.stateful);
        if (!states) continue; // a rotation changed since it was read
        const decided = this.assignment.decide(routing.stateful, states, 1, Date.now())!;
        const created = await insertLeads(m, ctx.accountId, [lead], null, null, lockTimeout, decided);
        if (!created) continue;
        if (attempt === 1) {
          // a plan this process already follows keeps its object (a batch in flight updates it); only its state moves on
          const known = this.learntPlans.get(planKey);
          if (known?.stateful && known.candidatesText === candidates.text) known.stateful.states = newerStates(known.stateful.states, decided.after);
          else this.learntPlans.set(planKey, { plan: null, candidatesText: candidates.text, stateful: { rotations: routing.stateful, states: decided.after } });
        }
        return created[0];
      }
      const decided = !routing.slot && routing.none ? explainedOnly(routing.none, 1) : null;
      const created = await insertLeads(m, ctx.accountId, [lead], routing.slot, null, lockTimeout, decided);
      if (!created) continue; // the rotation changed between the plan and the turn; nothing was written
      if (attempt === 1) this.learntPlans.set(planKey, { plan: routing.slot, candidatesText: candidates.text, none: routing.none });
      return created[0];
    }
    throw RotationErrors.keptChanging();
  }
}

/**
 * The newer state of each rotation: a rotation's position only grows while its member list stays (a new list has
 * a higher version). A statement that finished after a later one must not take this process back to its state:
 * the next decision would start from a position that no longer holds, and its statement would write nothing.
 */
function newerStates(known: ReadonlyMap<number, RotationState>, next: ReadonlyMap<number, RotationState>): Map<number, RotationState> {
  const out = new Map(known);
  for (const [id, state] of next) {
    const have = out.get(id);
    if (!have || state.membersVersion > have.membersVersion || (state.membersVersion === have.membersVersion && state.position >= have.position)) out.set(id, state);
  }
  return out;
}

/** Leads no rotation can take: no turn, each with the explanation of why. */
function explainedOnly(none: AssignmentExplanation, n: number): DecidedTurns {
  return { rotationId: null, firstTouchSeconds: null, membersVersion: 0, position: 0n, taken: 0, counters: {}, explanations: Array.from({ length: n }, () => none), after: new Map() };
}

/** Tries of a decided statement (caps or availability) before its leads take the checked path. */
const MAX_DECIDED_ATTEMPTS = 3;

/** SQLSTATE of a lock wait that ran past `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';
/** SQLSTATE of a deadlock PostgreSQL broke by aborting this statement. */
const DEADLOCK_DETECTED = '40P01';

/**
 * Approximate bytes of plans a process keeps (see PlanCache): a plan of a 100-member rotation of weight 100
 * weighs ~100 KB, of three equal members about 1 KB.
 */
export const PLAN_CACHE_BYTES = 16 * 1024 * 1024;
const planKeyOf = (accountId: string, teamId: number | null) => `${accountId}\0${teamId ?? ''}`;

/** The lead's column values as a create writes them (null means absent). */
function leadValues(ctx: AccountContext, input: LeadInputDto): LeadValues {
  const values = {} as LeadValues;
  for (const [field] of INPUT_COLUMNS) values[field] = input[field] ?? null;
  values.archived ??= false;
  values.createdBy ??= ctx.user;
  return values;
}
