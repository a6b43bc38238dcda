import type { FastifyRequest } from 'fastify';
import { redactUrl, sanitizeHeaders, type RequestMeta } from '../../audit/request-meta';

/** A request's audit context: who and what the audit entries and the access log record of it. */
export interface AuditContext {
  requestId: string;
  /** The route template (`/leads/:id`). */
  route: string | null;
  /** The request as audit entries keep it (sanitized headers, path with query, client address, request id). */
  meta: RequestMeta;
}

/** The audit context of `request`, whose id is `requestId`: what @Ctx() and @CurrentActor() hand to the services. */
export function auditContextOf(request: FastifyRequest, requestId: string): AuditContext {
  return {
    requestId,
    route: request.routeOptions?.url ?? null,
    meta: { method: request.method, path: redactUrl(request.url), headers: sanitizeHeaders(request.headers), ip: request.ip, requestId },
  };
}
