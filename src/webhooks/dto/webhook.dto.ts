import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { OptionalNotNull } from '../../common/validation/decorators';
import { NoNulCharacter } from '../../common/validation/no-nul';
import { EVENT_TYPES, SUBSCRIBABLE } from '../event-types';
import type { WebhookEndpointEntity } from '../webhook-endpoint.entity';
import type { DeliveryRow } from '../webhooks.queries';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateWebhookDto {
  /** Where events are POSTed: https (http only with WEBHOOK_ALLOW_HTTP=true), to a public address (unless WEBHOOK_ALLOW_PRIVATE=true) */
  @Transform(trim)
  @IsString()
  @MaxLength(2048)
  @NoNulCharacter()
  @ApiProperty({ example: 'https://hooks.example.com/lead-desk' })
  url: string;

  /** Event types to receive, or `["*"]` for all */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE.length)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE, { each: true, message: `each value in events must be one of: ${SUBSCRIBABLE.join(', ')}` })
  @ApiProperty({ type: [String], enum: SUBSCRIBABLE, enumName: 'WebhookEventSubscription', example: ['lead.created', 'lead.assigned'] })
  events: string[];

  /** What the endpoint is for; up to 255 characters */
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(255)
  @NoNulCharacter()
  @ApiProperty({ type: 'string', nullable: true, required: false, example: 'CRM sync' })
  description?: string | null;
}

export class UpdateWebhookDto {
  /** A new URL, checked as at creation */
  @OptionalNotNull()
  @Transform(trim)
  @IsString()
  @MaxLength(2048)
  @NoNulCharacter()
  @ApiProperty({ required: false, example: 'https://hooks.example.com/lead-desk/v2' })
  url?: string;

  /** New subscriptions (replace the old ones) */
  @OptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE.length)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE, { each: true, message: `each value in events must be one of: ${SUBSCRIBABLE.join(', ')}` })
  @ApiProperty({ type: [String], enum: SUBSCRIBABLE, enumName: 'WebhookEventSubscription', required: false, example: ['*'] })
  events?: string[];

  /** null clears it */
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(255)
  @NoNulCharacter()
  @ApiProperty({ type: 'string', nullable: true, required: false, example: 'CRM sync (v2)' })
  description?: string | null;

  /** false pauses deliveries (they wait); true resumes them and clears `disabledReason` */
  @OptionalNotNull()
  @IsBoolean()
  @ApiProperty({ required: false, example: true })
  enabled?: boolean;
}

export class WebhookDto {
  @ApiProperty({ type: 'integer', example: 4 })
  id: number;

  @ApiProperty({ example: '2311' })
  accountId: string;

  @ApiProperty({ example: 'https://hooks.example.com/lead-desk' })
  url: string;

  @ApiProperty({ type: [String], enum: SUBSCRIBABLE, enumName: 'WebhookEventSubscription', example: ['lead.created', 'lead.assigned'] })
  events: string[];

  @ApiProperty({ type: 'string', nullable: true, example: 'CRM sync' })
  description: string | null;

  /** Deliveries are attempted only while enabled */
  @ApiProperty({ example: true })
  enabled: boolean;

  /** Why the endpoint was disabled (410 Gone, 5 days of failures, or by a PATCH); null while enabled */
  @ApiProperty({ type: 'string', nullable: true, example: null })
  disabledReason: string | null;

  /** Until when the secret before the last rotation still signs deliveries too; null when none does */
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null })
  previousSecretExpiresAt: Date | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updatedAt: Date;
}

export class CreatedWebhookDto extends WebhookDto {
  /** The signing secret (Standard Webhooks: `whsec_` + base64). Shown this once */
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw6Ly0AmsNFfA=' })
  secret: string;
}

export class WebhookPageDto {
  data: WebhookDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

export class DeliveriesQueryDto extends PageQueryDto {
  /** Only deliveries in this state */
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  @ApiProperty({ enum: DELIVERY_STATUSES, enumName: 'WebhookDeliveryStatus', required: false })
  status?: (typeof DELIVERY_STATUSES)[number];
}

export class WebhookDeliveryDto {
  @ApiProperty({ type: 'integer', example: 981 })
  id: number;

  /** The event's id, also the delivery's `webhook-id` header */
  @ApiProperty({ example: 'evt_2b0c6f1e9d8a4c7bb1e3f0a9d5c4e2f1' })
  eventId: string;

  @ApiProperty({ enum: EVENT_TYPES, enumName: 'WebhookEventType', example: 'lead.created' })
  eventType: string;

  /** pending (waiting for its next attempt, or for the endpoint to be enabled), delivered, or failed (no attempt left) */
  @ApiProperty({ enum: DELIVERY_STATUSES, enumName: 'WebhookDeliveryStatus', example: 'delivered' })
  status: string;

  /** Attempts made so far */
  @ApiProperty({ type: 'integer', example: 1 })
  attempts: number;

  @ApiProperty({ type: 'integer', nullable: true, example: 200 })
  lastStatusCode: number | null;

  /** Why the last attempt failed (`HTTP 500`, `no answer within 15 s`, `destination not allowed`, ...) */
  @ApiProperty({ type: 'string', nullable: true, example: null })
  lastError: string | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 42 })
  lastDurationMs: number | null;

  /** The first KiB of the last answer's body */
  @ApiProperty({ type: 'string', nullable: true, example: 'ok' })
  lastResponseBody: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  lastAttemptAt: Date | null;

  /** When the next attempt is due; null once delivered or failed, and while the endpoint is disabled */
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  nextAttemptAt: Date | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: Date;
}

export class WebhookDeliveryPageDto {
  data: WebhookDeliveryDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}

export class ReplayDto {
  /** Every event of the endpoint's types created at or after this instant is queued again (ISO 8601 with a zone) */
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-12-01T00:00:00Z' })
  since: string;
}

export class QueuedDto {
  /** How many deliveries were queued */
  @ApiProperty({ type: 'integer', example: 1 })
  queued: number;

  /** The event queued, for a test */
  @ApiProperty({ required: false, example: 'evt_2b0c6f1e9d8a4c7bb1e3f0a9d5c4e2f1' })
  eventId?: string;
}

export const toWebhookDto = (w: WebhookEndpointEntity): WebhookDto => ({
  id: Number(w.id),
  accountId: String(w.accountId),
  url: w.url,
  events: w.events,
  description: w.description,
  enabled: w.enabled,
  disabledReason: w.disabledReason,
  previousSecretExpiresAt: w.previousSecret && w.previousSecretExpiresAt && w.previousSecretExpiresAt > new Date() ? w.previousSecretExpiresAt : null,
  createdAt: w.createdAt,
  updatedAt: w.updatedAt,
});

export const toDeliveryDto = (r: DeliveryRow): WebhookDeliveryDto => ({
  id: Number(r.id),
  eventId: r.event_id,
  eventType: r.event_type,
  status: r.status,
  attempts: r.attempts,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  lastDurationMs: r.last_duration_ms,
  lastResponseBody: r.last_response_body,
  lastAttemptAt: r.last_attempt_at,
  nextAttemptAt: r.next_attempt_at,
  createdAt: r.created_at,
});
