import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { JobRunner } from '../jobs/job-runner';
import { canonicalJson, entryDigest, sealedEntry, sealHash, type SealAlgorithm } from './audit-seal.canonical';
import { sqlRows } from '../database/sql';
import { CHAIN_HEADS, ENTRIES_TO_SEAL, INSERT_SEAL, SEAL_BEFORE, SEALED_ENTRIES, SEALED_THROUGH, SEALS, WATERMARK, type SealRow } from './audit-seal.queries';
import type { AuditRow } from './audit.queries';
import type { AuditVerifyDto, AuditVerifyQueryDto } from './dto/audit-verify.dto';

/** Entries per seal at most (a bulk import makes several seals). */
const ENTRIES_PER_SEAL = 1000;
/** Entries read per query while sealing. */
const ENTRIES_PER_SLICE = 5000;
/** Entries sealed per run at most; a backlog is sealed over several ticks. */
const ENTRIES_PER_RUN = 20_000;
export const AUDIT_SEAL_JOB = 'audit-seal';

/**
 * Tamper evidence for the audit log (API.md section 13). In the background (JobRunner: one process at a time,
 * never in a request), each account's entries appended since its last seal are sealed in id order, each seal's
 * hash chained to the previous one (audit-seal.canonical.ts). Writers never touch a seal: they append entries
 * as before.
 *
 * Entry ids come from a sequence, so an entry with a lower id can commit after one with a higher id. A run
 * only seals up to a watermark taken by an earlier run (the sequence's last value then), once every
 * transaction that was running at that moment has ended (the snapshot's xmin has passed that run's xmax): no
 * entry can then still appear below the watermark, so a legitimate late commit is never mistaken for an
 * insertion. Ticks run every AUDIT_SEAL_INTERVAL_S / 2 seconds, so entries are sealed within the interval.
 */
@Injectable()
export class AuditSealService implements OnModuleInit {
  private readonly logger = new Logger('AuditSeal');
  private readonly algorithm: SealAlgorithm;
  private readonly key?: string;
  /** The watermark this process took at its previous run, waiting for the transactions then running to end. */
  private candidate: { through: bigint; xmax: bigint } | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: JobRunner,
    private readonly config: AppConfig,
  ) {
    this.key = config.auditSeal.key;
    this.algorithm = this.key ? 'hmac-sha256' : 'sha256';
  }

  onModuleInit(): void {
    if (!this.key && this.config.nodeEnv === 'production') {
      this.logger.warn('AUDIT_SEAL_KEY is not set: audit seals are plain SHA-256, which anyone with database access can recompute. Set it in production.');
    }
    const everyMs = Math.max(500, (this.config.auditSeal.intervalS * 1000) / 2);
    this.jobs.register({ name: AUDIT_SEAL_JOB, everyMs, run: async (m) => (await this.sealPending(m)).more });
  }

  /**
   * One run (holding the job's lock in `m`'s transaction): seals what is safe to seal. `more`: the run's budget
   * was reached with entries left (the runner runs it again shortly).
   */
  async sealPending(m: EntityManager): Promise<{ made: number; more: boolean }> {
    const [now] = await sqlRows(m, WATERMARK, {});
    const candidate = this.candidate;
    const safe = candidate && BigInt(now.xmin) >= candidate.xmax ? candidate.through : null;
    if (!candidate || safe !== null) this.candidate = { through: BigInt(now.through), xmax: BigInt(now.xmax) };
    return safe === null ? { made: 0, more: false } : this.sealThrough(m, safe);
  }

  /**
   * Seals the entries above the last run's mark up to `watermark`, in global id order, a slice at a time: each
   * slice gives every account in it one seal (or more, ENTRIES_PER_SEAL at most each) whose `sealed_through` is
   * the slice's end, so every entry up to the highest `sealed_through` is sealed. A run stops after
   * ENTRIES_PER_RUN entries and the runner starts the next one shortly after, so a backlog never holds the
   * lock, or PGlite's one connection, for long, and is still sealed without waiting for the next tick.
   */
  private async sealThrough(m: EntityManager, watermark: bigint): Promise<{ made: number; more: boolean }> {
    const [{ done: start }] = await sqlRows(m, SEALED_THROUGH, {});
    let done = BigInt(start);
    let budget = ENTRIES_PER_RUN;
    let made = 0;
    while (done < watermark && budget > 0) {
      const rows = await sqlRows(m, ENTRIES_TO_SEAL, { after: String(done), through: String(watermark), limit: ENTRIES_PER_SLICE });
      if (rows.length === 0) break;
      const through = rows.length < ENTRIES_PER_SLICE ? watermark : BigInt(rows[rows.length - 1].id);
      const byAccount = new Map<string, AuditRow[]>();
      for (const row of rows) {
        const key = String(row.account_id);
        const list = byAccount.get(key);
        if (list) list.push(row);
        else byAccount.set(key, [row]);
      }
      const heads = await sqlRows(m, CHAIN_HEADS, { accountIds: [...byAccount.keys()] });
      const previous = new Map(heads.map((h) => [h.account_id, h.hash]));
      for (const [accountId, entries] of byAccount) {
        let previousHash = previous.get(accountId) ?? null;
        for (let i = 0; i < entries.length; i += ENTRIES_PER_SEAL) {
          previousHash = await this.insertSeal(m, accountId, entries.slice(i, i + ENTRIES_PER_SEAL), previousHash, through);
          made++;
        }
      }
      done = through;
      budget -= rows.length;
    }
    if (made > 0) this.logger.debug(`made ${made} seal(s) through entry ${done}`);
    return { made, more: budget <= 0 && done < watermark };
  }

  /** One seal over `rows` (one account's, in id order) after `previousHash`; resolves to its hash. */
  private async insertSeal(m: EntityManager, accountId: string, rows: AuditRow[], previousHash: string | null, through: bigint): Promise<string> {
    const canonical = rows.map((r) => canonicalJson(sealedEntry(r)));
    const hash = sealHash(this.algorithm, this.key, previousHash, canonical);
    await sqlRows(m, INSERT_SEAL, {
      accountId,
      firstEntryId: rows[0].id,
      lastEntryId: rows[rows.length - 1].id,
      entryCount: rows.length,
      entryIds: rows.map((r) => String(r.id)),
      entryDigests: Buffer.concat(canonical.map(entryDigest)),
      previousHash,
      hash,
      algorithm: this.algorithm,
      sealedThrough: String(through),
    });
    return hash;
  }

  /**
   * Recomputes the account's seals made in [from, to) (all when unbounded) from the entries as they are now:
   * each seal's link to the previous one, and its hash over the entries after the previous seal up to its
   * last entry. `firstMismatch` names the first seal that does not hold and the first entry found altered,
   * deleted or inserted in it (or the seal's first entry when the seal itself was altered).
   */
  async verify(accountId: string, query: AuditVerifyQueryDto): Promise<AuditVerifyDto> {
    const seals = await sqlRows(this.dataSource, SEALS, {
      accountId,
      from: query.from === undefined ? null : new Date(query.from).toISOString(),
      to: query.to === undefined ? null : new Date(query.to).toISOString(),
    });
    const result: AuditVerifyDto = { ok: true, entries: 0, seals: seals.length, firstMismatch: null };
    if (seals.length === 0) return result;
    const [before] = await sqlRows(this.dataSource, SEAL_BEFORE, { accountId, lastEntryId: seals[0].last_entry_id });
    let previous: { last_entry_id: string; hash: string } | null = before ?? null;
    for (const seal of seals) {
      const rows = await sqlRows(this.dataSource, SEALED_ENTRIES, { accountId, after: previous?.last_entry_id ?? '0', through: seal.last_entry_id });
      result.entries += rows.length;
      const mismatch = this.check(seal, previous?.hash ?? null, rows);
      if (mismatch && !result.firstMismatch) {
        result.ok = false;
        result.firstMismatch = { sealId: Number(seal.id), entryId: mismatch };
      }
      previous = seal;
    }
    return result;
  }

  /** null when the seal holds, else the id of the first entry found wrong (or the seal's first entry). */
  private check(seal: SealRow, previousHash: string | null, rows: AuditRow[]): number | null {
    const canonical = rows.map((r) => canonicalJson(sealedEntry(r)));
    const keyMissing = seal.algorithm === 'hmac-sha256' && !this.key;
    const linked = (seal.previous_hash ?? null) === previousHash;
    if (linked && !keyMissing && sealHash(seal.algorithm, this.key, previousHash, canonical) === seal.hash) return null;
    const ids = rows.map((r) => String(r.id));
    const sealed = seal.entry_ids;
    for (let i = 0; i < Math.max(ids.length, sealed.length); i++) {
      if (ids[i] === sealed[i]) continue;
      // A deleted entry (sealed, now missing) or an inserted one (present, never sealed): the lower id is the odd one.
      const candidates = [ids[i], sealed[i]].filter((id): id is string => id !== undefined).map(Number);
      return Math.min(...candidates);
    }
    for (let i = 0; i < ids.length; i++) {
      if (!entryDigest(canonical[i]).equals(seal.entry_digests.subarray(i * 8, i * 8 + 8))) return Number(ids[i]);
    }
    return Number(seal.first_entry_id);
  }
}
