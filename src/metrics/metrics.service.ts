import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { AccessLogRecorder } from '../access-log/access-log-recorder';
import { AppConfig } from '../config/app-config';
import { ReadReplicas } from '../database/read-replicas';
import { onRotationTurn } from './rotation-turns';
import { WebhookAttempts, WebhookMetrics } from '../webhooks/webhook-observers';

/** node-postgres' Pool, as far as the gauges read it. */
interface PgPoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

/** Result of one webhook delivery attempt (label of `leaddesk_webhook_attempts_total`). */
export type WebhookAttemptResult = 'success' | 'failure' | 'timeout' | 'gave_up' | (string & {});

/** How the outbox lag is read at scrape time: the age in seconds of the oldest undelivered event, null when none. */
export type OutboxLagProvider = () => number | null | Promise<number | null>;

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const TURN_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Prometheus metrics (API.md section 14), in a registry of this application (several apps in one process,
 * as in the tests, never mix their numbers). Off unless METRICS_PORT or METRICS_TOKEN is set: then nothing is
 * registered, no hook is installed and no request pays anything.
 *
 * - `leaddesk_http_request_duration_seconds{method,route,status}`: every request, observed by a Fastify
 *   onResponse hook (route = the route template, `unmatched` for 404s of unknown paths).
 * - `leaddesk_db_pool_connections{pool,state}`: node-postgres pool counts at scrape time (in_use, idle,
 *   waiting, max); `pool` is `primary` or `replica<N>`. PGlite's pool is one connection.
 * - `leaddesk_rotation_turn_seconds{outcome}` and `leaddesk_rotation_lock_timeouts_total`: the statement that
 *   takes a rotation's turn, row-lock wait included (taken / lock_timeout / error).
 * - `leaddesk_access_log_buffered` and `leaddesk_access_log_dropped_total`.
 * - `leaddesk_outbox_lag_seconds` (from `setOutboxLagProvider`) and `leaddesk_webhook_attempts_total{result}`
 *   (from `webhookAttempt`): for the webhooks module to feed.
 * - process metrics (prom-client's default ones, `leaddesk_process_*`, `leaddesk_nodejs_*`).
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  readonly enabled: boolean;
  readonly registry = new Registry();
  private httpDuration?: Histogram<'method' | 'route' | 'status'>;
  private turnDuration?: Histogram<'outcome'>;
  private lockTimeouts?: Counter;
  private webhookAttempts?: Counter<'result'>;
  private outboxLag?: OutboxLagProvider;
  private stopObservingTurns?: () => void;
  private stopObservingAttempts?: () => void;
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accessLog: AccessLogRecorder,
    private readonly replicas: ReadReplicas,
    private readonly moduleRef: ModuleRef,
  ) {
    this.enabled = config.metrics.port !== undefined || config.metrics.token !== undefined;
    if (this.enabled) this.define();
  }

  private define(): void {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'leaddesk_' });
    this.httpDuration = new Histogram({
      name: 'leaddesk_http_request_duration_seconds',
      help: 'HTTP requests by route template, method and status',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    const pools = () => this.pools();
    new Gauge({
      name: 'leaddesk_db_pool_connections',
      help: 'Database pool connections by state (in_use, idle, waiting = requests waiting for a connection, max)',
      labelNames: ['pool', 'state'],
      registers,
      collect() {
        this.reset();
        for (const [name, pool] of pools()) {
          this.set({ pool: name, state: 'in_use' }, pool.totalCount - pool.idleCount);
          this.set({ pool: name, state: 'idle' }, pool.idleCount);
          this.set({ pool: name, state: 'waiting' }, pool.waitingCount);
          if (pool.options?.max !== undefined) this.set({ pool: name, state: 'max' }, pool.options.max);
        }
      },
    });
    const replicas = this.replicas;
    new Counter({
      name: 'leaddesk_db_reads_total',
      help: 'Reads a replica may answer (lists, searches, exports, stats), by where they ran: replica, primary, primary_fallback (a replica failed them)',
      labelNames: ['target'],
      registers,
      collect() {
        this.reset();
        for (const [target, n] of Object.entries(replicas.served)) this.inc({ target }, n);
      },
    });
    this.turnDuration = new Histogram({
      name: 'leaddesk_rotation_turn_seconds',
      help: "Statements that take a rotation's turn, waiting for its row lock included, by outcome",
      labelNames: ['outcome'],
      buckets: TURN_BUCKETS,
      registers,
    });
    this.lockTimeouts = new Counter({
      name: 'leaddesk_rotation_lock_timeouts_total',
      help: "Leads answered 503 because a rotation's row lock was held past ROTATION_LOCK_TIMEOUT_MS",
      registers,
    });
    const accessLog = this.accessLog;
    new Gauge({
      name: 'leaddesk_access_log_buffered',
      help: 'Access-log records waiting to be written',
      registers,
      collect() {
        this.set(accessLog.stats().buffered);
      },
    });
    new Counter({
      name: 'leaddesk_access_log_dropped_total',
      help: 'Access-log records dropped because the buffer was full (the database refused them for too long)',
      registers,
      collect() {
        this.reset();
        this.inc(accessLog.stats().dropped);
      },
    });
    const lag = () => this.outboxLag?.();
    new Gauge({
      name: 'leaddesk_outbox_lag_seconds',
      help: 'Age of the oldest undelivered event in the outbox (0 when none)',
      registers,
      async collect() {
        this.set((await lag()) ?? 0);
      },
    });
    this.webhookAttempts = new Counter({
      name: 'leaddesk_webhook_attempts_total',
      help: 'Webhook delivery attempts by result',
      labelNames: ['result'],
      registers,
    });
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.stopObservingTurns = onRotationTurn((seconds, outcome) => {
      this.turnDuration!.observe({ outcome }, seconds);
      if (outcome === 'lock_timeout') this.lockTimeouts!.inc();
    });
    // the webhooks feature, when the application has it: attempts by result, and the outbox lag read at each scrape
    const attempts = this.optional(WebhookAttempts);
    if (attempts) this.stopObservingAttempts = attempts.onAttempt((result) => this.webhookAttempt(result));
    const webhooks = this.optional(WebhookMetrics);
    if (webhooks) this.setOutboxLagProvider(async () => (await webhooks.outboxLag()).oldestUndeliveredSeconds);
  }

  private optional<T>(type: new (...args: never[]) => T): T | undefined {
    try {
      return this.moduleRef.get(type, { strict: false });
    } catch {
      return undefined;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopObservingTurns?.();
    this.stopObservingAttempts?.();
    await this.stopServer();
  }

  /** Records one answered request (the Fastify onResponse hook). */
  observeRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    this.httpDuration?.observe({ method, route: route ?? 'unmatched', status }, seconds);
  }

  /** For the webhooks module: one delivery attempt and its result. */
  webhookAttempt(result: WebhookAttemptResult): void {
    this.webhookAttempts?.inc({ result });
  }

  /** For the outbox: how `leaddesk_outbox_lag_seconds` is read at each scrape. */
  setOutboxLagProvider(provider: OutboxLagProvider): void {
    this.outboxLag = provider;
  }

  /** The exposition (Prometheus text format) and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Whether `authorization` carries METRICS_TOKEN (always true when no token is configured). */
  authorized(authorization: string | undefined): boolean {
    const token = this.config.metrics.token;
    if (token === undefined) return true;
    const given = Buffer.from(/^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '');
    const wanted = Buffer.from(token);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }

  /** METRICS_PORT: the listener of its own (called once the app is ready, by the standalone server). */
  async startServer(): Promise<number | undefined> {
    const port = this.config.metrics.port;
    if (port === undefined || this.server) return undefined;
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      const answer = (status: number, type: string, body: string) => response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
      if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) return answer(404, 'application/json; charset=utf-8', JSON.stringify({ error: 'Not found' }));
      if (!this.authorized(request.headers.authorization)) return answer(401, 'application/json; charset=utf-8', JSON.stringify({ error: 'Authentication required: send METRICS_TOKEN as a bearer token' }));
      this.scrape().then(
        ({ contentType, body }) => answer(200, contentType, body),
        (error: unknown) => {
          this.logger.error({ err: error }, 'metrics: scrape failed');
          answer(500, 'application/json; charset=utf-8', JSON.stringify({ error: 'Internal server error' }));
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: this.config.host }, () => resolve());
    });
    this.server = server;
    const bound = (server.address() as { port: number }).port;
    this.logger.log(`metrics on http://${this.config.host}:${bound}/metrics`);
    return bound;
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** The pools behind the DataSource: the primary's, and each replica's when reads are replicated. */
  private pools(): [string, PgPoolCounts][] {
    if (!this.dataSource.isInitialized) return [];
    const driver = this.dataSource.driver as unknown as { master?: PgPoolCounts };
    const out: [string, PgPoolCounts][] = [];
    if (driver.master) out.push(['primary', driver.master]);
    for (const [name, pool] of this.replicas.pools()) out.push([name, pool as PgPoolCounts]);
    return out;
  }
}
