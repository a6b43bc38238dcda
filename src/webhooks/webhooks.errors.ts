import { DomainError } from '../common/errors/domain-error';

export type WebhookErrorCode = 'not_found' | 'delivery_not_found' | 'destination_not_allowed';

/** A failure of the webhooks feature. */
export class WebhookError extends DomainError<WebhookErrorCode> {}

/** The webhooks feature's failures, each with its user-facing sentence, in one place. */
export const WebhookErrors = {
  notFound: () => new WebhookError('not_found', 'webhook not found', 'not_found'),
  deliveryNotFound: () => new WebhookError('delivery_not_found', 'delivery not found', 'not_found'),
  /** The URL's scheme or destination is refused (API.md 10): 400 naming the field */
  destinationNotAllowed: (problem: string) =>
    new WebhookError('destination_not_allowed', 'Request validation failed', 'invalid', [{ field: 'url', message: problem }]),
};
