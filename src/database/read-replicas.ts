import { Global, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isDatabaseUnavailable, sqlState } from '../common/filters/database-errors';
import { AppConfig } from '../config/app-config';
import { POOL_WAIT_MS } from './data-source-options';
import { NumericIdSubscriber } from './numeric-id';
import { POOL_MODE_OPTION, sqlRows } from './sql';
import { PRIMARY_WAL_POSITION, REPLICA_STATE } from './database.queries';

/** The header a client sends to read from the primary (API.md section 14). */
export const CONSISTENCY_HEADER = 'x-consistency';

/** What decides where a request's reads go: set from `x-consistency` by the account guard. */
export interface ReadPreference {
  /**
   * True for an HTTP request without `x-consistency: strong` (set by the account guard): it may read from a
   * replica. Unset (in-process callers) or false: the primary.
   */
  replicaAllowed?: boolean;
}

interface Replica {
  name: string;
  url: string;
  dataSource: DataSource;
  /** Measured replay lag (ms) at `checkedAt`; Infinity when unknown or unreachable. */
  lagMs: number;
  checkedAt: number;
}

/** A read a replica could not answer (gone, restarting, or its statement cancelled by replay): run on the primary. */
function primaryWouldAnswer(error: unknown): boolean {
  return isDatabaseUnavailable(error) || sqlState(error) === '40001' || sqlState(error) === '25006';
}

/**
 * Streaming replicas for reads (DATABASE_READ_URLS, API.md section 14). Each replica has a pool of its own (a
 * DataSource without entities: the reads run raw statements). A monitor measures each replica's replay lag
 * every `checkEveryMs` (a quarter of READ_MAX_LAG_MS, 100..1000 ms): the primary's current WAL position first,
 * then on the replica whether it has replayed that far (lag 0) and, if not, how long ago the last transaction
 * it replayed committed. `read` runs the work on the least-lagged replica whose lag, plus the age of that
 * measure, is under READ_MAX_LAG_MS; otherwise, for `x-consistency: strong`, for in-process callers, on
 * PGlite, and whenever the replica fails the read (stopped, restarting, a statement cancelled by replay), on the
 * primary: a replica going away costs no failed request. Writes never come here.
 *
 * TypeORM's own `replication` option was not used: it picks a replica at random with no lag bound, and routes
 * every read outside a transaction (repositories, `find`) to a replica, which would break reading one's own
 * write (GET /leads/{id} right after its POST).
 */
@Injectable()
export class ReadReplicas implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ReadReplicas');
  private readonly replicas: Replica[];
  private readonly maxLagMs: number;
  readonly checkEveryMs: number;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;
  /** Replica-eligible reads by where they ran (`leaddesk_db_reads_total`): a replica, the primary, or the primary after a replica failed. */
  readonly served = { replica: 0, primary: 0, primary_fallback: 0 };

  constructor(
    config: AppConfig,
    @InjectDataSource() private readonly primary: DataSource,
  ) {
    this.maxLagMs = config.database.readMaxLagMs ?? 2000;
    this.checkEveryMs = Math.min(1000, Math.max(100, Math.floor(this.maxLagMs / 4)));
    const urls = config.database.url ? (config.database.readUrls ?? []) : [];
    if (!config.database.url && (config.database.readUrls ?? []).length > 0) this.logger.warn('DATABASE_READ_URLS is ignored on the embedded PGlite database');
    const poolMode = config.database.poolMode === 'transaction' ? { [POOL_MODE_OPTION]: 'transaction' } : {};
    this.replicas = urls.map((url, i) => ({
      name: `replica${i}`,
      url,
      lagMs: Infinity,
      checkedAt: 0,
      dataSource: new DataSource({
        type: 'postgres',
        url,
        entities: [],
        synchronize: false,
        migrationsRun: false,
        installExtensions: false,
        extra: { max: config.database.poolSize, connectionTimeoutMillis: POOL_WAIT_MS, idleTimeoutMillis: 30000, application_name: 'lead-desk-reads', ...poolMode },
      }),
    }));
  }

  /** Whether any replica is configured. */
  get configured(): boolean {
    return this.replicas.length > 0;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.configured) return;
    await this.check();
    this.timer = setInterval(() => void this.check(), this.checkEveryMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
    for (const r of this.replicas) if (r.dataSource.isInitialized) await r.dataSource.destroy().catch(() => undefined);
  }

  /**
   * Runs a read (`work`, given the DataSource to read with) on a replica within the lag bound when `preference`
   * allows one, else on the primary; a replica that fails it hands it to the primary.
   */
  async read<T>(preference: ReadPreference | undefined, work: (db: DataSource) => Promise<T>): Promise<T> {
    const replica = preference?.replicaAllowed ? this.pick() : undefined;
    if (!replica) {
      this.served.primary++;
      return work(this.primary);
    }
    try {
      const result = await work(replica.dataSource);
      this.served.replica++;
      return result;
    } catch (error) {
      if (!primaryWouldAnswer(error)) throw error;
      replica.lagMs = Infinity; // not again until the monitor sees it back
      this.logger.warn(`${replica.name} failed a read (${(error as Error).message}); read from the primary`);
      this.served.primary_fallback++;
      return work(this.primary);
    }
  }

  /** The replica reads would use now, if any (for tests and metrics). */
  pick(): Replica | undefined {
    const now = Date.now();
    let best: Replica | undefined;
    for (const r of this.replicas) {
      if (!r.dataSource.isInitialized || r.lagMs + (now - r.checkedAt) > this.maxLagMs) continue;
      if (!best || r.lagMs < best.lagMs) best = r;
    }
    return best;
  }

  /** Each replica's pool, for the pool gauges. */
  pools(): [string, unknown][] {
    return this.replicas.filter((r) => r.dataSource.isInitialized).map((r) => [r.name, (r.dataSource.driver as unknown as { master: unknown }).master]);
  }

  /** Last measured lag of each replica (ms; null while unknown). */
  lags(): Record<string, number | null> {
    return Object.fromEntries(this.replicas.map((r) => [r.name, Number.isFinite(r.lagMs) ? r.lagMs : null]));
  }

  /** Measures every replica now (the monitor's tick; tests call it to skip a wait). */
  check(): Promise<void> {
    this.checking ??= this.measure().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async measure(): Promise<void> {
    let position: string;
    try {
      [{ position }] = await sqlRows(this.primary, PRIMARY_WAL_POSITION, {});
    } catch {
      return; // the primary is unreachable: requests fail on it anyway; keep the last measures
    }
    await Promise.all(
      this.replicas.map(async (r) => {
        try {
          if (!r.dataSource.isInitialized) await r.dataSource.initialize();
          const [state] = await sqlRows(r.dataSource, REPLICA_STATE, { position });
          const lag = !state.in_recovery ? Infinity : state.caught_up ? 0 : (state.behind_ms ?? Infinity);
          if (Number.isFinite(lag) !== Number.isFinite(r.lagMs)) this.logger.log(`${r.name}: ${Number.isFinite(lag) ? `reading from it (lag ${Math.round(lag)} ms)` : 'not reading from it'}`);
          r.lagMs = lag;
          r.checkedAt = Date.now();
        } catch (error) {
          if (Number.isFinite(r.lagMs)) this.logger.warn(`${r.name}: unreachable (${(error as Error).message}); reading from the primary`);
          r.lagMs = Infinity;
          r.checkedAt = Date.now();
        }
      }),
    );
  }
}

/**
 * Database services every feature module shares (like the access log's recorder, hence global): the read
 * replicas, and the subscriber that keeps generated bigint ids numbers (numeric-id.ts).
 */
@Global()
@Module({ providers: [ReadReplicas, NumericIdSubscriber], exports: [ReadReplicas] })
export class DatabaseServicesModule {}
