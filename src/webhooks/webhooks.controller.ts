import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccountContext } from '../common/account-context';
import { ApiIdParam } from '../common/decorators/api-id-param.decorator';
import { Ctx } from '../common/decorators/context.decorator';
import { LeadDeskController } from '../common/decorators/lead-desk-controller.decorator';
import { Permission } from '../common/decorators/route-access.decorator';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { IdParamPipe } from '../common/pipes/params';
import {
  CreatedWebhookDto,
  CreateWebhookDto,
  DeliveriesQueryDto,
  QueuedDto,
  ReplayDto,
  UpdateWebhookDto,
  WebhookDeliveryPageDto,
  WebhookDto,
  WebhookPageDto,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

const notFound = () => ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such webhook in this account', example: { error: 'webhook not found' } });

/** Webhook endpoints (API.md 10): admins and owners. Deliveries are signed per Standard Webhooks. */
@ApiTags('webhooks')
@LeadDeskController('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @HttpCode(201)
  @Permission('webhooks:manage')
  @ApiOperation({
    summary: 'Create a webhook endpoint',
    description:
      'Events of the subscribed types are POSTed to `url` as JSON `{id, type, accountId, createdAt, data}` with the Standard Webhooks ' +
      'headers `webhook-id`, `webhook-timestamp` and `webhook-signature`. The answer carries the signing `secret`, shown this once. ' +
      'The URL must be https (unless WEBHOOK_ALLOW_HTTP=true) and its host must resolve to public addresses only (unless WEBHOOK_ALLOW_PRIVATE=true): otherwise 400.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  create(@Ctx() ctx: AccountContext, @Body() dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    return this.webhooks.create(ctx, dto);
  }

  @Get()
  @Permission('webhooks:manage')
  @ApiOperation({ summary: "List the account's webhook endpoints, oldest first (secrets are never shown again)" })
  @ApiOkResponse({ type: WebhookPageDto })
  list(@Ctx() ctx: AccountContext, @Query() query: PageQueryDto): Promise<WebhookPageDto> {
    return this.webhooks.list(ctx, query);
  }

  @Get(':id')
  @Permission('webhooks:manage')
  @ApiOperation({ summary: 'Read a webhook endpoint' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiIdParam('id', 'The webhook id')
  @notFound()
  get(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<WebhookDto> {
    return this.webhooks.get(ctx, id);
  }

  @Patch(':id')
  @Permission('webhooks:manage')
  @ApiOperation({
    summary: 'Change a webhook endpoint',
    description: '`enabled: false` pauses its deliveries (they wait); `enabled: true` resumes them and clears `disabledReason`. A new `url` is checked as at creation.',
  })
  @ApiOkResponse({ type: WebhookDto })
  @ApiIdParam('id', 'The webhook id')
  @notFound()
  update(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number, @Body() dto: UpdateWebhookDto): Promise<WebhookDto> {
    return this.webhooks.update(ctx, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Permission('webhooks:manage')
  @ApiOperation({ summary: 'Delete a webhook endpoint and its deliveries (pending ones are not attempted)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiIdParam('id', 'The webhook id')
  @notFound()
  remove(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<void> {
    return this.webhooks.remove(ctx, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(201)
  @Permission('webhooks:manage')
  @ApiOperation({
    summary: 'Rotate the signing secret',
    description: 'Answers the new secret, shown this once. For 24 hours every delivery is signed with both the new and the previous secret (two space-separated `v1,` signatures).',
  })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  @ApiIdParam('id', 'The webhook id')
  @notFound()
  rotateSecret(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<CreatedWebhookDto> {
    return this.webhooks.rotateSecret(ctx, id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @Permission('webhooks:manage')
  @ApiOperation({ summary: 'Queue a webhook.test event to this endpoint only' })
  @ApiAcceptedResponse({ type: QueuedDto, description: 'Queued: delivered like any event (waits while the endpoint is disabled)' })
  @ApiIdParam('id', 'The webhook id')
  @notFound()
  test(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<QueuedDto> {
    return this.webhooks.test(ctx, id);
  }

  @Get(':id/deliveries')
  @Permission('webhooks:manage')
  @ApiOperation({ summary: "The endpoint's deliveries, newest event first, with their attempts and last result" })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiIdParam('id', 'The webhook id')
  @notFound()
  deliveries(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number, @Query() query: DeliveriesQueryDto): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.listDeliveries(ctx, id, query);
  }

  @Post(':id/deliveries/:deliveryId/retry')
  @HttpCode(202)
  @Permission('webhooks:manage')
  @ApiOperation({
    summary: 'Attempt a delivery again now',
    description: 'The delivery becomes pending and due now, whatever its state; one whose attempt is in flight is left to it (`queued: 0`). A failed delivery retried gets one more attempt.',
  })
  @ApiAcceptedResponse({ type: QueuedDto })
  @ApiIdParam('id', 'The webhook id')
  @ApiIdParam('deliveryId', 'The delivery id')
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such webhook, or no such delivery of it', example: { error: 'delivery not found' } })
  retry(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number, @Param('deliveryId', IdParamPipe) deliveryId: number): Promise<QueuedDto> {
    return this.webhooks.retryDelivery(ctx, id, deliveryId);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @Permission('webhooks:manage')
  @ApiOperation({ summary: "Queue again every event of the endpoint's types created since a time" })
  @ApiAcceptedResponse({ type: QueuedDto })
  @ApiIdParam('id', 'The webhook id')
  @notFound()
  replay(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number, @Body() dto: ReplayDto): Promise<QueuedDto> {
    return this.webhooks.replay(ctx, id, dto);
  }
}
