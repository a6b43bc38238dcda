/** Every event type (API.md 10), in the order the docs list them. */
export const EVENT_TYPES = [
  'lead.created',
  'lead.assigned',
  'lead.updated',
  'lead.stage_changed',
  'lead.archived',
  'lead.unarchived',
  'lead.converted',
  'lead.merged',
  'lead.first_touch_breached',
  'webhook.test',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** What an endpoint may subscribe to: a type, or `*` for every type (webhook.test is sent only by POST /webhooks/{id}/test). */
export const SUBSCRIBABLE = ['*', ...EVENT_TYPES.filter((t) => t !== 'webhook.test')] as const;

/** An event to write to the outbox: its type and `data` (for lead events, `data.lead` is the Lead without auditLog). */
export interface NewEvent {
  type: EventType;
  data: Record<string, unknown>;
}
