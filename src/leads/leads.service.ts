import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { hasPermission } from '../accounts/roles';
import { AuditService } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { AssignmentService } from '../rotations/assignment.service';
import { RotationErrors } from '../rotations/rotations.errors';
import { LeadInputDto } from './dto/lead-input.dto';
import { LEAD_COLUMNS, LeadDto, LeadRow, toLeadDto } from './dto/lead.dto';
import type { IdempotentRequest } from './idempotency';
import { IdempotencyService, type StoredResponse } from './idempotency.service';
import { INPUT_COLUMNS, type LeadValues } from './lead-columns';
import { insertLeadWithEntry } from './lead-insert';
import { checkLeadRules } from './lead-rules';
import { LeadErrors } from './leads.errors';

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

  /**
   * POST /leads. One transaction: [Idempotency-Key lock and lookup] → rules 1-5 (reads, share-locking the
   * team, source and assignee) → rotation step → lead → `lead_created` entry → [stored answer, purge of
   * expired keys]. The rotation step comes after every check, so its row lock is held only for the few inserts
   * that follow it, then released by the commit.
   */
  async create(ctx: AccountContext, input: LeadInputDto, options: CreateLeadOptions, idempotency: IdempotentRequest | null): Promise<CreateLeadResult> {
    if (input.archived === true && !hasPermission(ctx.role, 'leads:archive')) throw LeadErrors.archiveNotAllowed();
    return this.dataSource.transaction(async (m) => {
      if (idempotency) {
        const replay = await this.idempotency.claim<LeadDto>(m, ctx.accountId, idempotency);
        if (replay) return { ...replay, replayed: true };
      }
      const lead = await this.insertLead(m, ctx, input, options);
      const answer: StoredResponse<LeadDto> = { status: 201, body: lead };
      if (idempotency) await this.idempotency.complete(m, ctx.accountId, idempotency, answer);
      return { ...answer, replayed: false };
    });
  }

  private async insertLead(m: EntityManager, ctx: AccountContext, input: LeadInputDto, options: CreateLeadOptions): Promise<LeadDto> {
    const values = {} as LeadValues;
    for (const [field] of INPUT_COLUMNS) values[field] = input[field] ?? null; // null means absent in a create
    values.archived ??= false;
    values.createdBy ??= ctx.user;

    const teamAndSource = { teamId: input.teamId ?? null, leadSourceId: input.leadSourceId ?? null };
    const assignedTo = values.assignedTo as string | null;
    // rules 1-5 and, when the lead needs an assignee, the rotations that may serve it: one round trip
    const candidates = await checkLeadRules(m, ctx.accountId, { teamAndSource, assignedTo }, options.skipTeamAndSourceRequirement, assignedTo === null);
    if (assignedTo !== null) return (await insertLeadWithEntry(m, ctx.accountId, ctx, values, null))!;

    let plan = this.assignment.planFrom(candidates);
    for (let attempt = 1; attempt <= MAX_PLAN_ATTEMPTS; attempt++) {
      if (attempt > 1) plan = await this.assignment.plan(m, ctx.accountId, teamAndSource.teamId);
      const lead = await insertLeadWithEntry(m, ctx.accountId, ctx, values, plan);
      if (lead) return lead; // null: the rotation changed between the plan and the turn; nothing was written
    }
    throw RotationErrors.keptChanging();
  }
}
