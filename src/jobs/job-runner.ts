import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { sqlRows } from '../database/sql';
import { TRY_LOCK } from './jobs.queries';

/** A periodic background job. `run` gets the transaction that holds the job's lock. */
export interface Job {
  /** Unique; also names the advisory lock. */
  name: string;
  everyMs: number;
  /** Run once as soon as the application has started (then every `everyMs`). */
  runAtStart?: boolean;
  /** Resolves true when it stopped with work left (a budget reached): it runs again shortly, not at the next tick. */
  run(manager: EntityManager): Promise<boolean | void>;
}

/** Pause before a job that reported work left runs again (lets requests use PGlite's one connection between runs). */
const AGAIN_AFTER_MS = 100;

/**
 * Lead Desk's background work (audit seals, access-log partitions and retention): each job runs every
 * `everyMs` in every process, inside a transaction that first takes `pg_try_advisory_xact_lock` on the job's
 * key, so across any number of processes one run happens at a time and the others skip that tick. The lock is
 * transaction-scoped, so it works behind PgBouncer in transaction mode. Never in the request path; stopped on
 * shutdown (a run in progress is awaited, before the pool closes).
 *
 * pg-boss was considered (STYLE.md asks for one job runner on PostgreSQL); see the README's Background work.
 */
@Injectable()
export class JobRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly jobs: Job[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Map<string, Promise<boolean>>();
  private started = false;
  private stopped = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  register(job: Job): void {
    if (this.jobs.some((j) => j.name === job.name)) throw new Error(`job ${job.name} registered twice`);
    this.jobs.push(job);
    if (this.started) this.schedule(job);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.started = true;
    for (const job of this.jobs) this.schedule(job);
    // Jobs that must have run before requests arrive (partitions of today) run now, awaited.
    await Promise.all(this.jobs.filter((j) => j.runAtStart).map((j) => this.runNow(j.name)));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all([...this.running.values()].map((p) => p.catch(() => false)));
  }

  /**
   * Runs the job now (unless this process is already running it): resolves true if this process held the
   * lock and ran it, false if another process held it. Errors are logged, never thrown.
   */
  runNow(name: string): Promise<boolean> {
    const job = this.jobs.find((j) => j.name === name);
    if (!job) throw new Error(`no job named ${name}`);
    const current = this.running.get(name);
    if (current) return current;
    const run = this.runLocked(job).then(({ ran, more }) => {
      this.running.delete(name);
      if (more && !this.stopped) setTimeout(() => void this.runNow(name), AGAIN_AFTER_MS).unref();
      return ran;
    });
    this.running.set(name, run);
    return run;
  }

  private schedule(job: Job): void {
    const timer = setInterval(() => {
      if (!this.stopped) void this.runNow(job.name);
    }, job.everyMs);
    timer.unref();
    this.timers.push(timer);
  }

  private async runLocked(job: Job): Promise<{ ran: boolean; more: boolean }> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const [{ locked }] = await sqlRows(manager, TRY_LOCK, { key: lockKey(job.name) });
        if (!locked) return { ran: false, more: false };
        const more = (await job.run(manager)) === true;
        return { ran: true, more };
      });
    } catch (error) {
      // The message and SQLSTATE only: a failed statement's error carries its parameters (a seal's thousand entry
      // ids and digests), which would make one log line of megabytes.
      const { message, code } = error as Error & { code?: unknown };
      this.logger.warn({ err: { message, code } }, `job ${job.name} failed; it runs again at its next tick`);
      return { ran: false, more: false };
    }
  }
}

/** A stable 63-bit advisory-lock key per job name. */
function lockKey(name: string): string {
  return BigInt.asIntN(64, BigInt('0x' + createHash('sha256').update(`lead-desk job ${name}`).digest('hex').slice(0, 16))).toString();
}
