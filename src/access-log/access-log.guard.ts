import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AccessLogRecorder, type AuditedRequest } from './access-log-recorder';

/**
 * First of Lead Desk's route guards; never refuses. In a host application (no onResponse hook of Lead Desk's)
 * it is where a request to one of Lead Desk's routes starts being recorded, so that a refusal by a later guard
 * (401, 403, 429), which Nest's interceptors never see, is recorded too, and it answers `x-request-id`. In the
 * standalone server the hook does both and this does nothing.
 */
@Injectable()
export class AccessLogGuard implements CanActivate {
  constructor(private readonly recorder: AccessLogRecorder) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.recorder.hookInstalled) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuditedRequest>();
    const reply = http.getResponse<FastifyReply>();
    reply.header('x-request-id', this.recorder.requestIdOf(request));
    this.recorder.recordWhenSent(request, reply);
    return true;
  }
}
