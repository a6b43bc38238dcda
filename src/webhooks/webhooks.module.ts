import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { WebhookDeliveryWorker } from './delivery-worker';
import { EventEntity } from './event.entity';
import { OutboxService } from './outbox.service';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookAttempts, WebhookMetrics } from './webhook-observers';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Events and webhooks (API.md 10): the outbox writer other modules call in their transactions (OutboxService;
 * `outboxCtes` for a statement of their own), the endpoints API, and the delivery worker of this process.
 */
@Module({
  imports: [TypeOrmModule.forFeature([EventEntity, WebhookEndpointEntity, WebhookDeliveryEntity]), AuditModule],
  controllers: [WebhooksController],
  providers: [OutboxService, WebhooksService, WebhookDeliveryWorker, WebhookAttempts, WebhookMetrics],
  exports: [OutboxService, WebhooksService, WebhookAttempts, WebhookMetrics],
})
export class WebhooksModule {}
