import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { hasPermission } from '../accounts/roles';
import { AuditService } from '../audit/audit.service';
import { RecentMap } from '../common/recent-map';
import type { AccountContext } from '../common/account-context';
import { AssignmentService } from '../rotations/assignment.service';
import { RotationErrors } from '../rotations/rotations.errors';
import { LeadInputDto } from './dto/lead-input.dto';
import { LEAD_COLUMNS, LeadDto, LeadRow, toLeadDto } from './dto/lead.dto';
import type { IdempotentRequest } from './idempotency';
import { IdempotencyService, type StoredResponse } from './idempotency.service';
import { INPUT_COLUMNS, type LeadValues } from './lead-columns';
import { insertLeadBatch, MAX_BATCH, type BatchedLead } from './lead-batch';
import { insertLeadAtOnce, insertLeadWithEntry, type KnownAssignment } from './lead-insert';
import { Lanes } from './lanes';
import { checkLeadRules } from './lead-rules';
import { LeadErrors } from './leads.errors';
import { runTransaction } from '../database/transaction';

/** A rotation changing between its plan and its turn makes us plan again; a few tries always suffice in practice. */
const MAX_PLAN_ATTEMPTS = 5;

export interface CreateLeadOptions {
  skipTeamAndSourceRequirement: boolean;
}

/** An answer of POST /leads: a new lead, or the stored answer of an earlier request with the same key. */
export interface CreateLeadResult extends StoredResponse<LeadDto> {
  replayed: boolean;
}

@Injectable()
export class LeadsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly assignment: AssignmentService,
    private readonly idempotency: IdempotencyService,
  ) {}

  /** What the last lead of each (account, team) learnt about its assignment, for the one-statement insert. */
  private readonly known = new RecentMap<string, KnownAssignment>(MAX_KNOWN);
  private readonly lanes = new Lanes<BatchedLead, LeadDto>(MAX_BATCH);
  /**
   * Leads this process created in one statement (`atOnce`; `batched` of them with other leads of their team)
   * and through the checked transaction (`checked`).
   */
  readonly created = { atOnce: 0, batched: 0, checked: 0 };

  /**
   * POST /leads, in one of two ways that write the same rows:
   * - at once (no Idempotency-Key): ONE statement checks rules 1-5, takes the rotation's turn and inserts the
   *   lead and its entry (`insertLeadAtOnce`), using the plan an earlier lead of the same team made, which the
   *   statement verifies is still the one the rotations give; if any rule fails or the rotations changed, it
   *   writes nothing and the request takes the checked way;
   * - checked: one transaction: [Idempotency-Key lock and lookup] → rules 1-5 and the rotations (one read,
   *   share-locking the team, source and assignee) → rotation step + lead + `lead_created` entry (one
   *   statement, the last before COMMIT, so the rotation's row lock is held only that long) → [stored answer].
   */
  async create(ctx: AccountContext, input: LeadInputDto, options: CreateLeadOptions, idempotency: IdempotentRequest | null): Promise<CreateLeadResult> {
    if (input.archived === true && !hasPermission(ctx.role, 'leads:archive')) throw LeadErrors.archiveNotAllowed();
    const values = leadValues(ctx, input);
    if (!idempotency) {
      const lead = await this.insertAtOnce(ctx, input, values, options);
      if (lead) {
        this.created.atOnce++;
        return { status: 201, body: lead, replayed: false };
      }
    }
    return runTransaction(this.dataSource, async (m) => {
      if (idempotency) {
        const replay = await this.idempotency.claim<LeadDto>(m, ctx.accountId, idempotency);
        if (replay) return { ...replay, replayed: true };
      }
      const lead = await this.insertChecked(m, ctx, input, values, options);
      this.created.checked++;
      const answer: StoredResponse<LeadDto> = { status: 201, body: lead };
      if (idempotency) await this.idempotency.complete(m, ctx.accountId, idempotency, answer);
      return { ...answer, replayed: false };
    });
  }

  /**
   * The one-statement insert, when this process knows a plan for the lead's team (or the lead names its
   * assignee). Leads through a rotation go through that team's lane: while one statement of the lane runs (and
   * holds the rotation's row lock), the leads that arrive wait here, holding no connection, and then go
   * together in one statement (`insertLeadBatch`), in arrival order.
   */
  private async insertAtOnce(ctx: AccountContext, input: LeadInputDto, values: LeadValues, options: CreateLeadOptions): Promise<LeadDto | null> {
    const teamAndSource = { teamId: input.teamId ?? null, leadSourceId: input.leadSourceId ?? null };
    const skip = options.skipTeamAndSourceRequirement;
    if (values.assignedTo !== null) return insertLeadAtOnce(this.dataSource, ctx.accountId, ctx, values, { teamAndSource, skip }, NAMED_ASSIGNEE);
    const key = knownKey(ctx.accountId, teamAndSource.teamId);
    const known = this.known.get(key);
    if (!known) return null;
    const one = () => insertLeadAtOnce(this.dataSource, ctx.accountId, ctx, values, { teamAndSource, skip }, known);
    const teamId = teamAndSource.teamId;
    if (!known.plan || teamId === null) return one();
    const { leadSourceId } = teamAndSource;
    // one lane per team, source and skip: a batch shares them, so one guard checks rules 1-4 for all its leads
    return this.lanes.run(`${key}\0${leadSourceId ?? ''}\0${skip}`, { values, actor: ctx }, one, async (leads) => {
      const now = this.known.get(key); // the freshest plan when the batch goes
      if (!now?.plan || now.candidatesText === null) return null;
      const rules = { teamId, leadSourceId, skip };
      const created = await insertLeadBatch(this.dataSource, ctx.accountId, leads, rules, { plan: now.plan, candidatesText: now.candidatesText });
      if (created) this.created.batched += created.length;
      return created;
    });
  }

  private async insertChecked(m: EntityManager, ctx: AccountContext, input: LeadInputDto, values: LeadValues, options: CreateLeadOptions): Promise<LeadDto> {
    const teamAndSource = { teamId: input.teamId ?? null, leadSourceId: input.leadSourceId ?? null };
    const assignedTo = values.assignedTo as string | null;
    // rules 1-5 and, when the lead needs an assignee, the rotations that may serve it: one round trip
    const candidates = await checkLeadRules(m, ctx.accountId, { teamAndSource, assignedTo }, options.skipTeamAndSourceRequirement, assignedTo === null);
    if (assignedTo !== null) return (await insertLeadWithEntry(m, ctx.accountId, ctx, values, null))!;

    let plan = this.assignment.planFrom(candidates.rows);
    for (let attempt = 1; attempt <= MAX_PLAN_ATTEMPTS; attempt++) {
      if (attempt > 1) plan = await this.assignment.plan(m, ctx.accountId, teamAndSource.teamId);
      const lead = await insertLeadWithEntry(m, ctx.accountId, ctx, values, plan);
      if (!lead) continue; // the rotation changed between the plan and the turn; nothing was written
      if (attempt === 1) this.known.set(knownKey(ctx.accountId, teamAndSource.teamId), { plan, candidatesText: candidates.text });
      return lead;
    }
    throw RotationErrors.keptChanging();
  }
}

/** (account, team) pairs whose plan a process keeps; beyond it the oldest go first. */
const MAX_KNOWN = 10_000;
const NAMED_ASSIGNEE: KnownAssignment = { plan: null, candidatesText: null };
const knownKey = (accountId: string, teamId: number | null) => `${accountId}\0${teamId ?? ''}`;

/** The lead's column values as a create writes them (null means absent). */
function leadValues(ctx: AccountContext, input: LeadInputDto): LeadValues {
  const values = {} as LeadValues;
  for (const [field] of INPUT_COLUMNS) values[field] = input[field] ?? null;
  values.archived ??= false;
  values.createdBy ??= ctx.user;
  return values;
}
