import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { AccessLogRecorder, type AuditedRequest } from '../../access-log/access-log-recorder';
import { redactUrl, sanitizeHeaders, type RequestMeta } from '../../audit/request-meta';

/** A request's audit context: who and what the audit entries and the access log record of it. */
export interface AuditContext {
  requestId: string;
  /** The route template (`/leads/:id`). */
  route: string | null;
  /** The request as audit entries keep it (sanitized headers, path with query, client address, request id). */
  meta: RequestMeta;
}

export interface RequestWithAudit extends AuditedRequest {
  auditContext?: AuditContext;
}

/**
 * The audit interceptor of Lead Desk's routes (applied by @LeadDeskController): owns the request's audit
 * context, which @Ctx() and @CurrentActor() hand to the services with the account guard's resolution, so every
 * audit entry a request writes carries its request id and sanitized metadata. Requests are recorded in the
 * access log by AccessLogRecorder when their response is sent (also those refused before this runs).
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(private readonly recorder: AccessLogRecorder) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<RequestWithAudit>();
    const requestId = this.recorder.requestIdOf(request);
    request.auditContext = {
      requestId,
      route: request.routeOptions?.url ?? null,
      meta: { method: request.method, path: redactUrl(request.url), headers: sanitizeHeaders(request.headers), ip: request.ip, requestId },
    };
    return next.handle();
  }
}
