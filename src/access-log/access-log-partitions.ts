import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { JobRunner } from '../jobs/job-runner';

const DAY_MS = 86_400_000;
/** Partitions made ahead of today, so a flush never waits for DDL. */
const DAYS_AHEAD = 2;
const PARTITION_NAME = /^access_log_p(\d{4})(\d{2})(\d{2})$/;

/**
 * The access log's daily partitions (UTC days): today's and the next DAYS_AHEAD exist, and retention drops
 * whole partitions older than ACCESS_LOG_RETENTION_DAYS: no row-by-row delete. Runs at start and hourly, in
 * one process at a time (JobRunner).
 */
@Injectable()
export class AccessLogPartitions implements OnModuleInit {
  private readonly logger = new Logger('AccessLog');

  constructor(
    private readonly jobs: JobRunner,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register({ name: 'access-log-partitions', everyMs: 3_600_000, runAtStart: true, run: (m) => this.maintain(m) });
  }

  /** Creates the partitions of `now`'s day and the next days, and drops expired ones. */
  async maintain(manager: EntityManager, now = new Date()): Promise<void> {
    const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
    for (let d = 0; d <= DAYS_AHEAD; d++) await this.ensurePartition(manager, today + d * DAY_MS);
    const keepFrom = today - this.config.accessLog.retentionDays * DAY_MS;
    const partitions: { name: string }[] = await manager.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'access_log'::regclass`,
    );
    for (const { name } of partitions) {
      const m = PARTITION_NAME.exec(name);
      if (!m) continue;
      const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
      // Every row of the partition is older than the retention period.
      if (day + DAY_MS <= keepFrom) {
        await manager.query(`DROP TABLE ${name}`);
        this.logger.log(`access log: dropped partition ${name} (retention ${this.config.accessLog.retentionDays} days)`);
      }
    }
  }

  private async ensurePartition(manager: EntityManager, dayMs: number): Promise<void> {
    const name = partitionName(dayMs);
    const [{ found }] = await manager.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [name]);
    if (found) return;
    const from = new Date(dayMs).toISOString();
    const to = new Date(dayMs + DAY_MS).toISOString();
    // Rows of that day already in the default partition (its partition was missing) would make the CREATE
    // fail: move them into the new partition.
    const [{ stray }] = await manager.query(`SELECT EXISTS (SELECT 1 FROM access_log_default WHERE at >= $1 AND at < $2) AS stray`, [from, to]);
    if (stray) {
      await manager.query(
        `CREATE TEMP TABLE access_log_moving ON COMMIT DROP AS
           WITH moved AS (DELETE FROM access_log_default WHERE at >= $1 AND at < $2 RETURNING *) SELECT * FROM moved`,
        [from, to],
      );
    }
    await manager.query(`CREATE TABLE ${name} PARTITION OF access_log FOR VALUES FROM ('${from}') TO ('${to}')`);
    if (stray) {
      await manager.query(`INSERT INTO access_log SELECT * FROM access_log_moving`);
      await manager.query(`DROP TABLE access_log_moving`);
    }
  }
}

export function partitionName(dayMs: number): string {
  return `access_log_p${new Date(dayMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}
