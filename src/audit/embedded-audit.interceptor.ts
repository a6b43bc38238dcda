import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';
import { hasPermission } from '../accounts/roles';
import type { RequestWithContext } from '../common/decorators/context.decorator';
import { withoutRequestMeta, type AuditEntryDto } from './dto/audit-entry.dto';

/**
 * On routes that answer a record with its whole `auditLog` (GET, PATCH, archive, unarchive and convert of a
 * lead; not POST /leads, whose one entry is always the caller's own or a byte-identical replay, so the
 * hot path pays for no interceptor layer it does not need): below the role that may read the audit log
 * (`audit:read`, as `GET /audit-logs`), the embedded entries made by other users lose their request headers
 * and client address. A caller's own entries keep them: they are what the caller sent.
 */
@Injectable()
export class EmbeddedAuditInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ctx = context.switchToHttp().getRequest<RequestWithContext>().accountContext;
    if (ctx && hasPermission(ctx.role, 'audit:read')) return next.handle();
    const self = ctx?.user;
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    // A replay (Idempotency-Key) is the first answer again, byte for byte, as the contract says.
    return next.handle().pipe(map((body) => (reply.getHeader(REPLAYED) === 'true' ? body : hideRequestMeta(body, self))));
  }
}

/** The leads controller's replay header (not imported: Audit depends on no feature module). */
const REPLAYED = 'idempotent-replayed';

function hideRequestMeta(body: unknown, self: string | undefined): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const auditLog = (body as { auditLog?: unknown }).auditLog;
  if (!Array.isArray(auditLog)) return body;
  return { ...body, auditLog: (auditLog as AuditEntryDto[]).map((entry) => (entry.user === self ? entry : withoutRequestMeta(entry))) };
}
