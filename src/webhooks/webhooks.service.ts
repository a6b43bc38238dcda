import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AccountContext } from '../common/account-context';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { toPage } from '../common/pagination/page';
import { AppConfig } from '../config/app-config';
import { sqlRows } from '../database/sql';
import { runTransaction } from '../database/transaction';
import { destinationProblem, type DestinationPolicy } from './destination-guard';
import {
  CreatedWebhookDto,
  CreateWebhookDto,
  DeliveriesQueryDto,
  QueuedDto,
  ReplayDto,
  toDeliveryDto,
  toWebhookDto,
  UpdateWebhookDto,
  WebhookDeliveryPageDto,
  WebhookDto,
  WebhookPageDto,
} from './dto/webhook.dto';
import { newWebhookSecret } from './signature';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookErrors } from './webhooks.errors';
import { DELETE_ENDPOINT_DELIVERIES, DELIVERY_EXISTS, EMIT_TEST, LIST_DELIVERIES, PARK_DELIVERIES, REPLAY, RETRY_DELIVERY, UNPARK_DELIVERIES } from './webhooks.queries';

const CURSOR_SCOPE = 'webhooks';
const DELIVERIES_CURSOR_SCOPE = 'webhook-deliveries';
/** After a rotation the previous secret signs too, this long (API.md 10). */
const PREVIOUS_SECRET_MS = 24 * 3600 * 1000;

/** `["*", …]` means every type: stored as `["*"]` alone. */
const normalizeEvents = (events: string[]) => (events.includes('*') ? ['*'] : events);

/**
 * The webhook endpoints API (API.md 10, admin and up): endpoints, their secrets, test events, deliveries,
 * retries and replays. Every change is one transaction with its audit entry (entityType `webhook`); the
 * secret is never recorded.
 */
@Injectable()
export class WebhooksService {
  private readonly policy: DestinationPolicy;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
    config: AppConfig,
  ) {
    this.policy = { allowHttp: config.webhooks.allowHttp, allowPrivate: config.webhooks.allowPrivate };
  }

  async create(ctx: AccountContext, dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    await this.checkDestination(dto.url);
    const secret = newWebhookSecret();
    return runTransaction(this.dataSource, async (m) => {
      const values = { accountId: ctx.accountId, url: dto.url, events: normalizeEvents(dto.events), description: dto.description ?? null, enabled: true, secret };
      const { identifiers } = await m.insert(WebhookEndpointEntity, values);
      const endpoint = await m.findOneByOrFail(WebhookEndpointEntity, { accountId: ctx.accountId, id: String(identifiers[0].id) });
      await this.audit.record(m, ctx.accountId, ctx, {
        event: 'webhook_created',
        entityType: 'webhook',
        entityId: endpoint.id,
        data: { url: endpoint.url, events: endpoint.events, description: endpoint.description },
      });
      return { ...toWebhookDto(endpoint), secret };
    });
  }

  async list(ctx: AccountContext, query: PageQueryDto): Promise<WebhookPageDto> {
    const limit = query.limit!;
    const afterId = query.cursor ? String(this.cursors.decode(CURSOR_SCOPE, query.cursor, 1)[0]) : '0';
    const rows = await this.dataSource.manager.find(WebhookEndpointEntity, {
      where: { accountId: ctx.accountId, id: MoreThan(afterId) },
      order: { id: 'ASC' },
      take: limit + 1,
    });
    return toPage(rows, limit, this.cursors, CURSOR_SCOPE, (w) => [w.id], toWebhookDto);
  }

  async get(ctx: AccountContext, id: number): Promise<WebhookDto> {
    const endpoint = await this.dataSource.manager.findOneBy(WebhookEndpointEntity, { accountId: ctx.accountId, id: String(id) });
    if (!endpoint) throw WebhookErrors.notFound();
    return toWebhookDto(endpoint);
  }

  /** Changes what differs; enabling clears `disabledReason` and makes parked deliveries due, disabling parks them. */
  async update(ctx: AccountContext, id: number, dto: UpdateWebhookDto): Promise<WebhookDto> {
    if (dto.url !== undefined) await this.checkDestination(dto.url);
    return runTransaction(this.dataSource, async (m) => {
      const current = await this.lock(m, ctx.accountId, id);
      const next: Partial<WebhookEndpointEntity> = {};
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      const change = <K extends 'url' | 'events' | 'description' | 'enabled'>(field: K, to: WebhookEndpointEntity[K]) => {
        if (JSON.stringify(current[field]) === JSON.stringify(to)) return;
        changes[field] = { from: current[field], to };
        next[field] = to;
      };
      if (dto.url !== undefined) change('url', dto.url);
      if (dto.events !== undefined) change('events', normalizeEvents(dto.events));
      if (dto.description !== undefined) change('description', dto.description);
      if (dto.enabled !== undefined) change('enabled', dto.enabled);
      if (Object.keys(changes).length === 0) return toWebhookDto(current);
      const endpoint = { accountId: ctx.accountId, endpointId: current.id };
      if (next.enabled === true) {
        Object.assign(next, { disabledReason: null, failingSince: null });
        await sqlRows(m, UNPARK_DELIVERIES, endpoint);
      } else if (next.enabled === false) {
        next.disabledReason = 'disabled through the API';
        await sqlRows(m, PARK_DELIVERIES, endpoint);
      }
      await m.update(WebhookEndpointEntity, { accountId: ctx.accountId, id: current.id }, next);
      await this.audit.record(m, ctx.accountId, ctx, { event: 'webhook_updated', entityType: 'webhook', entityId: current.id, data: { changes } });
      return toWebhookDto(await m.findOneByOrFail(WebhookEndpointEntity, { accountId: ctx.accountId, id: current.id }));
    });
  }

  /**
   * Deletes the endpoint and its deliveries (pending ones are never attempted). A lead insert fanning out to it at
   * this moment may still write one: the worker that claims it drops it (DROP_CLAIMED).
   */
  async remove(ctx: AccountContext, id: number): Promise<void> {
    await runTransaction(this.dataSource, async (m) => {
      const current = await this.lock(m, ctx.accountId, id);
      await sqlRows(m, DELETE_ENDPOINT_DELIVERIES, { accountId: ctx.accountId, endpointId: current.id });
      await m.delete(WebhookEndpointEntity, { accountId: ctx.accountId, id: current.id });
      await this.audit.record(m, ctx.accountId, ctx, { event: 'webhook_deleted', entityType: 'webhook', entityId: current.id, data: { url: current.url, events: current.events } });
    });
  }

  /** A new secret; for 24 hours deliveries are signed with the new and the previous one. */
  async rotateSecret(ctx: AccountContext, id: number): Promise<CreatedWebhookDto> {
    const secret = newWebhookSecret();
    return runTransaction(this.dataSource, async (m) => {
      const current = await this.lock(m, ctx.accountId, id);
      const previousSecretExpiresAt = new Date(Date.now() + PREVIOUS_SECRET_MS);
      await m.update(WebhookEndpointEntity, { accountId: ctx.accountId, id: current.id }, { secret, previousSecret: current.secret, previousSecretExpiresAt });
      await this.audit.record(m, ctx.accountId, ctx, { event: 'webhook_secret_rotated', entityType: 'webhook', entityId: current.id, data: { previousSecretExpiresAt } });
      return { ...toWebhookDto(await m.findOneByOrFail(WebhookEndpointEntity, { accountId: ctx.accountId, id: current.id })), secret };
    });
  }

  /** Queues a `webhook.test` event to this endpoint only. */
  async test(ctx: AccountContext, id: number): Promise<QueuedDto> {
    return runTransaction(this.dataSource, async (m) => {
      const current = await this.lock(m, ctx.accountId, id);
      const data = { webhookId: Number(current.id), message: 'A test event from Lead Desk' };
      const [event] = await sqlRows(m, EMIT_TEST, { accountId: ctx.accountId, endpointId: current.id, data: JSON.stringify(data) });
      await this.audit.record(m, ctx.accountId, ctx, { event: 'webhook_tested', entityType: 'webhook', entityId: current.id, data: { eventId: event.public_id } });
      return { queued: 1, eventId: event.public_id };
    });
  }

  async listDeliveries(ctx: AccountContext, id: number, query: DeliveriesQueryDto): Promise<WebhookDeliveryPageDto> {
    const limit = query.limit!;
    const beforeEventId = query.cursor ? String(this.cursors.decode(DELIVERIES_CURSOR_SCOPE, query.cursor, 1)[0]) : null;
    return runTransaction(this.dataSource, 'REPEATABLE READ', async (m) => {
      await this.find(m, ctx.accountId, id);
      const rows = await sqlRows(m, LIST_DELIVERIES, { accountId: ctx.accountId, endpointId: String(id), status: query.status ?? null, beforeEventId, limit: limit + 1 });
      return toPage(rows, limit, this.cursors, DELIVERIES_CURSOR_SCOPE, (r) => [r.event_key], toDeliveryDto);
    });
  }

  /** The delivery is due again now (one in flight is left to its attempt: `queued` 0). */
  async retryDelivery(ctx: AccountContext, id: number, deliveryId: number): Promise<QueuedDto> {
    return runTransaction(this.dataSource, async (m) => {
      await this.lock(m, ctx.accountId, id);
      const key = { accountId: ctx.accountId, endpointId: String(id), id: String(deliveryId) };
      if ((await sqlRows(m, DELIVERY_EXISTS, key)).length === 0) throw WebhookErrors.deliveryNotFound();
      const queued = (await sqlRows(m, RETRY_DELIVERY, key)).length;
      await this.audit.record(m, ctx.accountId, ctx, { event: 'webhook_delivery_retried', entityType: 'webhook', entityId: id, data: { deliveryId, queued } });
      return { queued };
    });
  }

  /** Every event of the endpoint's types since `since` is due again. */
  async replay(ctx: AccountContext, id: number, dto: ReplayDto): Promise<QueuedDto> {
    return runTransaction(this.dataSource, async (m) => {
      await this.lock(m, ctx.accountId, id);
      const since = new Date(dto.since).toISOString();
      const queued = (await sqlRows(m, REPLAY, { accountId: ctx.accountId, endpointId: String(id), since })).length;
      await this.audit.record(m, ctx.accountId, ctx, { event: 'webhook_replayed', entityType: 'webhook', entityId: id, data: { since, queued } });
      return { queued };
    });
  }

  private async checkDestination(url: string): Promise<void> {
    const problem = await destinationProblem(url, this.policy);
    if (problem) throw WebhookErrors.destinationNotAllowed(problem);
  }

  private async find(m: EntityManager, accountId: string, id: number): Promise<WebhookEndpointEntity> {
    const endpoint = await m.findOneBy(WebhookEndpointEntity, { accountId, id: String(id) });
    if (!endpoint) throw WebhookErrors.notFound();
    return endpoint;
  }

  /** The endpoint's row, locked for the change (NO KEY UPDATE: deliveries reference it by key). */
  private async lock(m: EntityManager, accountId: string, id: number): Promise<WebhookEndpointEntity> {
    const endpoint = await m.findOne(WebhookEndpointEntity, { where: { accountId, id: String(id) }, lock: { mode: 'for_no_key_update' } });
    if (!endpoint) throw WebhookErrors.notFound();
    return endpoint;
  }
}
