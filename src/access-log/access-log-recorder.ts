import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { requestIdFromHeaders } from '../common/http/request-id';
import { sqlRows } from '../database/sql';
import { INSERT_RECORDS, type InsertRecordsParams } from './access-log.queries';

/** One request, as buffered until the next flush. `account` is the raw `x-account-id`, checked at flush. */
export interface AccessRecord {
  atMs: number;
  account: string | null;
  user: string | null;
  apiKeyId: number | null;
  method: string;
  route: string | null;
  status: number;
  durationMs: number;
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}

/** What the access log reads from a request: the principal AuthGuard attached, and the audit context. */
export interface AuditedRequest extends FastifyRequest {
  user?: Principal;
  /** Set once the request is recorded (or will be when its response is sent): nothing is recorded twice. */
  [RECORDED]?: true;
  /** A host's request id may not be ours (x-request-id rule): the one Lead Desk uses for this request. */
  [LEAD_DESK_REQUEST_ID]?: string;
}

const RECORDED = Symbol('leadDesk.accessRecorded');
const LEAD_DESK_REQUEST_ID = Symbol('leadDesk.requestId');

/** Records held at most while the database does not take them; older ones are dropped first. */
export const MAX_BUFFERED = 10_000;
/** Records per INSERT. */
const FLUSH_BATCH = 2_000;
const FLUSH_EVERY_MS = 1_000;

/**
 * The one recorder of the access log (API.md section 12). `record` only pushes a small object onto an
 * in-process buffer (no I/O, nothing that can throw into the request); a timer writes the buffer at least once
 * a second in multi-row INSERTs. While the database refuses them, up to MAX_BUFFERED records are held, the
 * oldest dropped first; drops are counted and logged. The last records are written on shutdown.
 *
 * Who calls it: in the standalone server, a Fastify onResponse hook for every request (installAccessLog), so
 * 404s, body-parser errors and guard refusals are included; in a host application, Lead Desk's first route
 * guard (AccessLogGuard) for Lead Desk's own routes only. A request is recorded at most once either way.
 */
@Injectable()
export class AccessLogRecorder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AccessLog');
  private buffer: AccessRecord[] = [];
  private dropped = 0;
  private droppedLogged = 0;
  private flushing: Promise<void> | null = null;
  private timer?: NodeJS.Timeout;
  /** True once the standalone server's onResponse hook records every request (routes then leave it to the hook). */
  hookInstalled = false;
  readonly enabled: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.enabled = config.accessLog.enabled;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  /** On shutdown (SIGTERM: after the HTTP server drained, before the pool closes): write what is left. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** The request id Lead Desk uses for `request` (the standalone server's Fastify id is already ours). */
  requestIdOf(request: AuditedRequest): string {
    if (this.hookInstalled) return request.id;
    return (request[LEAD_DESK_REQUEST_ID] ??= requestIdFromHeaders(request.headers));
  }

  /** Records `request` with its answer. Called when the response has been sent. */
  record(request: AuditedRequest, reply: FastifyReply): void {
    if (!this.enabled || request[RECORDED]) return;
    request[RECORDED] = true;
    const principal = request.user;
    const account = request.headers['x-account-id'];
    const agent = request.headers['user-agent'];
    const durationMs = Math.round(reply.elapsedTime);
    this.push({
      atMs: Date.now() - durationMs,
      account: typeof account === 'string' && account.length <= 20 ? account.trim() : null,
      user: principal ? principal.email : null,
      apiKeyId: principal?.kind === 'api-key' ? principal.apiKeyId : null,
      method: request.method.slice(0, 16),
      route: request.routeOptions?.url?.slice(0, 512) ?? null,
      status: reply.statusCode,
      durationMs,
      ip: request.ip?.slice(0, 64) ?? null,
      userAgent: typeof agent === 'string' ? agent.slice(0, 512) : null,
      requestId: this.requestIdOf(request),
    });
  }

  /** In a host application: record `request` once its response has been sent (whoever sends it). */
  recordWhenSent(request: AuditedRequest, reply: FastifyReply): void {
    if (!this.enabled || this.hookInstalled || request[RECORDED]) return;
    reply.raw.once('finish', () => this.record(request, reply));
  }

  private push(record: AccessRecord): void {
    if (this.buffer.length >= MAX_BUFFERED) {
      this.buffer.shift();
      this.dropped++;
    }
    this.buffer.push(record);
  }

  /** Writes every buffered record (in batches). Safe to call at any time; concurrent calls share one flush. */
  flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, FLUSH_BATCH);
      try {
        await sqlRows(this.dataSource, INSERT_RECORDS, columnsOf(batch));
      } catch (error) {
        // Put the batch back in front of what arrived meanwhile, keeping the newest MAX_BUFFERED.
        const all = batch.concat(this.buffer);
        const excess = Math.max(0, all.length - MAX_BUFFERED);
        this.dropped += excess;
        this.buffer = excess > 0 ? all.slice(excess) : all;
        this.logger.warn({ err: error, held: this.buffer.length }, 'access log: could not write records; holding them');
        break;
      }
    }
    if (this.dropped > this.droppedLogged) {
      this.logger.warn(`access log: ${this.dropped - this.droppedLogged} records dropped (${this.dropped} since start): the buffer was full`);
      this.droppedLogged = this.dropped;
    }
  }

  /** Records waiting to be written, and those dropped since start (for metrics and the outage test). */
  stats(): { buffered: number; dropped: number } {
    return { buffered: this.buffer.length, dropped: this.dropped };
  }
}

/** The batch as INSERT_RECORDS takes it: one array per column. */
function columnsOf(batch: AccessRecord[]): InsertRecordsParams {
  return {
    atMs: batch.map((r) => r.atMs),
    account: batch.map((r) => r.account),
    userEmail: batch.map((r) => r.user),
    apiKeyId: batch.map((r) => r.apiKeyId),
    method: batch.map((r) => r.method),
    route: batch.map((r) => r.route),
    status: batch.map((r) => r.status),
    durationMs: batch.map((r) => r.durationMs),
    ip: batch.map((r) => r.ip),
    userAgent: batch.map((r) => r.userAgent),
    requestId: batch.map((r) => r.requestId),
  };
}

/**
 * The standalone server: the response carries `x-request-id`, and every request is recorded when its response
 * has been sent, whatever answered it (a route, a guard, the body parser, the 404 handler). One registration in
 * app.factory.ts.
 */
export function installAccessLog(fastify: FastifyInstance, recorder: AccessLogRecorder): void {
  recorder.hookInstalled = true;
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  if (!recorder.enabled) return;
  fastify.addHook('onResponse', (request, reply, done) => {
    recorder.record(request as AuditedRequest, reply);
    done();
  });
}
