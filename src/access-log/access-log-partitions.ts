import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { sqlRows } from '../database/sql';
import { JobRunner } from '../jobs/job-runner';
import {
  createPartitionSql,
  DROP_MOVING,
  dropPartitionSql,
  MOVE_STRAY_BACK,
  MOVE_STRAY_OUT,
  PARTITION_NAME,
  partitionName,
  PARTITIONS,
  STRAY_ROWS,
  TABLE_EXISTS,
} from './access-log.queries';

const DAY_MS = 86_400_000;
/** Partitions made ahead of today, so a flush never waits for DDL. */
const DAYS_AHEAD = 2;

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
    const partitions = await sqlRows(manager, PARTITIONS, {});
    for (const { name } of partitions) {
      const m = PARTITION_NAME.exec(name);
      if (!m) continue;
      const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
      // Every row of the partition is older than the retention period.
      if (day + DAY_MS <= keepFrom) {
        await manager.query(dropPartitionSql(name));
        this.logger.log(`access log: dropped partition ${name} (retention ${this.config.accessLog.retentionDays} days)`);
      }
    }
  }

  private async ensurePartition(manager: EntityManager, dayMs: number): Promise<void> {
    const name = partitionName(dayMs);
    const [{ found }] = await sqlRows(manager, TABLE_EXISTS, { name });
    if (found) return;
    const from = new Date(dayMs).toISOString();
    const to = new Date(dayMs + DAY_MS).toISOString();
    // Rows of that day already in the default partition (its partition was missing) would make the CREATE
    // fail: move them into the new partition.
    const [{ stray }] = await sqlRows(manager, STRAY_ROWS, { from, to });
    if (stray) await sqlRows(manager, MOVE_STRAY_OUT, { from, to });
    await manager.query(createPartitionSql(dayMs));
    if (stray) {
      await sqlRows(manager, MOVE_STRAY_BACK, {});
      await sqlRows(manager, DROP_MOVING, {});
    }
  }
}
