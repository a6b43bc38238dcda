import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService, type AuditEvent } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { sqlRows } from '../database/sql';
import { runTransaction } from '../database/transaction';
import type { LeadDuplicateListDto } from './dto/duplicates.dto';
import { toLeadDto, type LeadDto, type LeadRow } from './dto/lead.dto';
import type { MergeLeadsDto } from './dto/merge-leads.dto';
import { ARCHIVE_MERGED, FIND_MATCHES, LEAD_MATCH_KEYS, LOCK_LEADS } from './duplicates.queries';
import type { IdempotentRequest } from './idempotency';
import { IdempotencyService, type StoredResponse } from './idempotency.service';
import { INPUT_COLUMNS, type InputField } from './lead-columns';
import { LeadBatchService } from './lead-batch.service';
import { LeadReadsService } from './lead-reads.service';
import { DuplicateErrors, LeadErrors } from './leads.errors';
import { UPDATE_LEAD } from './leads.queries';
import { matchKeysOf } from './match-keys';
import { numericId } from '../database/numeric-id';
import { OutboxService } from '../webhooks/outbox.service';

/** The most matches GET /leads/{id}/duplicates lists per key (email, phone). */
export const LISTED_DUPLICATES_PER_KEY = 100;

/** Fields a merge never fills: set on every lead, or the target's own state. */
const NOT_FILLED = new Set<InputField>(['archived', 'createdBy', 'teamId', 'leadSourceId']);

/** What the merge answers (the target) and whether it is a stored answer again. */
export interface MergeResult extends StoredResponse<LeadDto> {
  replayed: boolean;
}

/** GET /leads/{id}/duplicates and POST /leads/{id}/merge (API.md section 11). */
@Injectable()
export class LeadMergeService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly reads: LeadReadsService,
    private readonly idempotency: IdempotencyService,
    private readonly batches: LeadBatchService,
    private readonly outbox: OutboxService,
  ) {}

  /** The live, unarchived leads that share the lead's email or phone key, newest first; 404 for an unknown lead. */
  async duplicates(ctx: AccountContext, id: number): Promise<LeadDuplicateListDto> {
    return runTransaction(this.dataSource, 'REPEATABLE READ', async (m) => {
      const [keys] = await sqlRows(m, LEAD_MATCH_KEYS, { accountId: ctx.accountId, id });
      if (!keys) throw LeadErrors.notFound();
      const rows = await sqlRows(m, FIND_MATCHES, {
        accountId: ctx.accountId,
        emails: keys.email_key === null ? [] : [keys.email_key],
        phones: keys.phone_key === null ? [] : [keys.phone_key],
        perKey: LISTED_DUPLICATES_PER_KEY,
        excludeId: id,
      });
      return {
        data: rows.map((row) => ({
          lead: toLeadDto(row),
          matchedOn: [
            ...(keys.email_key !== null && row.email_key === keys.email_key ? (['email'] as const) : []),
            ...(keys.phone_key !== null && row.phone_key === keys.phone_key ? (['phone'] as const) : []),
          ],
        })),
      };
    });
  }

  /**
   * Merges the sources into the target, all or nothing, in one transaction: [Idempotency-Key] → the target and
   * sources locked (id order, as every change of a lead locks it) → checks → the target's null fields filled
   * from the newest source that has a value (team and source as a pair, so they stay consistent) → the sources
   * archived with mergedIntoId → `lead_merged` on the target and `lead_merged_into` on each source.
   */
  async merge(ctx: AccountContext, targetId: number, dto: MergeLeadsDto, idempotency: IdempotentRequest | null): Promise<MergeResult> {
    return runTransaction(this.dataSource, async (m) => {
      if (idempotency) {
        const replay = await this.idempotency.claim<LeadDto>(m, ctx.accountId, idempotency);
        if (replay) return { ...replay, replayed: true };
      }
      const rows = await sqlRows(m, LOCK_LEADS, { accountId: ctx.accountId, ids: [targetId, ...dto.sourceIds] });
      const byId = new Map(rows.map((row) => [numericId(row.id), row]));
      const target = byId.get(targetId);
      if (!target) throw LeadErrors.notFound();
      const missing = dto.sourceIds.filter((id) => !byId.has(id));
      if (missing.length > 0) throw DuplicateErrors.sourceNotFound(missing);
      if (dto.sourceIds.includes(targetId)) throw DuplicateErrors.targetAmongSources();
      for (const row of [target, ...dto.sourceIds.map((id) => byId.get(id)!)]) {
        if (row.merged_into_id !== null) throw DuplicateErrors.alreadyMerged(numericId(row.id), numericId(row.merged_into_id));
      }
      const sources = dto.sourceIds.map((id) => byId.get(id)!).sort(newestFirst);

      const before = toLeadDto(target);
      const fill: Partial<Record<InputField, unknown>> = {};
      const sourceDtos = sources.map((s) => toLeadDto(s));
      for (const [field] of INPUT_COLUMNS) {
        if (NOT_FILLED.has(field) || before[field] !== null) continue;
        const source = sourceDtos.find((s) => s[field] !== null);
        if (source) fill[field] = source[field];
      }
      // team and source go together: a source's lead source belongs to its own team
      if (before.teamId === null) {
        const withTeam = sources.find((s) => s.team_id !== null);
        if (withTeam) Object.assign(fill, { teamId: numericId(withTeam.team_id), leadSourceId: numericId(withTeam.lead_source_id) });
      } else if (before.leadSourceId === null) {
        const sameTeam = sources.find((s) => numericId(s.team_id) === before.teamId && s.lead_source_id !== null);
        if (sameTeam) fill.leadSourceId = numericId(sameTeam.lead_source_id);
      }

      let after: LeadRow = target;
      if (Object.keys(fill).length > 0) {
        const columns: Record<string, unknown> = {};
        for (const [field, column] of INPUT_COLUMNS) if (field in fill) columns[column] = fill[field];
        if ('email' in fill || 'phone' in fill) {
          const { country } = await this.batches.settings(m, ctx.accountId);
          const keys = matchKeysOf({ email: fill.email ?? before.email, phone: fill.phone ?? before.phone }, country);
          Object.assign(columns, { email_key: keys.emailKey, phone_key: keys.phoneKey });
        }
        [after] = await sqlRows(m, UPDATE_LEAD, { accountId: ctx.accountId, id: targetId, changes: JSON.stringify(columns), touch: false, stopTimer: false });
      }
      const merged = await sqlRows(m, ARCHIVE_MERGED, { accountId: ctx.accountId, ids: dto.sourceIds, targetId });
      const afterDto = toLeadDto(after);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const field of Object.keys(fill) as InputField[]) changes[field] = { from: before[field], to: afterDto[field] };
      const events: AuditEvent[] = [
        { event: 'lead_merged', entityType: 'lead', entityId: targetId, data: { sourceIds: dto.sourceIds, changes } },
        ...merged.map(
          (source): AuditEvent => ({
            event: 'lead_merged_into',
            entityType: 'lead',
            entityId: String(source.id),
            data: {
              targetId,
              changes: {
                ...(byId.get(numericId(source.id))!.archived ? {} : { archived: { from: false, to: true } }),
                mergedIntoId: { from: null, to: targetId },
              },
            },
          }),
        ),
      ];
      await this.audit.record(m, ctx.accountId, ctx, ...events);
      // API.md 10: `lead.merged`, written by this transaction (the outbox)
      await this.outbox.emit(m, ctx.accountId, [{ type: 'lead.merged', data: { lead: afterDto, sourceIds: dto.sourceIds, changes } }]);
      const answer: StoredResponse<LeadDto> = { status: 200, body: await this.reads.withHistory(m, ctx.accountId, after) };
      if (idempotency) await this.idempotency.complete(m, ctx.accountId, idempotency, answer);
      return { ...answer, replayed: false };
    });
  }
}

const newestFirst = (a: LeadRow, b: LeadRow) => b.created_at.getTime() - a.created_at.getTime() || b.id - a.id;
