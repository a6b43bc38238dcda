import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-error';
import { isDatabaseUnavailable, sqlState } from './database-errors';

interface ErrorBody {
  error: string;
  details?: unknown;
}

/** Fastify's own errors (body parsing, limits) and what they mean to a client. */
const FASTIFY_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_JSON: [400, 'Malformed JSON in request body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'Malformed JSON in request body'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'Request body is larger than 1 MiB'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'Content-Type must be application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'Content-Length does not match the body'],
};

/**
 * The one place errors become responses: `{"error": ...}` (+ `details` on validation errors). Domain errors
 * (each feature's, see src/common/errors/domain-error.ts) answer their sentence with the status of their kind;
 * Nest's and Fastify's HTTP errors keep theirs. Unknown errors are logged with the request id and answered
 * 500 without details.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const [status, body] = this.toResponse(exception, request);
    if (reply.sent) return;
    const retry =
      exception instanceof DomainError
        ? exception.retryAfterSeconds
        : (status === 429 || status === 503) && exception instanceof HttpException
          ? (exception as HttpException & { retryAfter?: number }).retryAfter
          : undefined;
    if (retry !== undefined) reply.header('Retry-After', String(retry));
    reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  toResponse(exception: unknown, request?: FastifyRequest): [number, ErrorBody] {
    if (exception instanceof DomainError) return [exception.httpStatus, exception.toResponseBody()];
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Nest re-wraps Fastify's parser errors (413, 415) with Fastify's wording; answer with ours.
      if (status === 413) return [status, { error: tooLargeMessage(request) }];
      if (status === 415) return [status, { error: IMPORT_ROUTE.test(request?.url ?? '') ? 'Content-Type must be text/csv' : FASTIFY_ERRORS.FST_ERR_CTP_INVALID_MEDIA_TYPE[1] }];
      return [status, fromHttpException(exception)];
    }
    const fastifyCode = (exception as { code?: unknown })?.code;
    if (typeof fastifyCode === 'string' && FASTIFY_ERRORS[fastifyCode]) {
      const [status, error] = FASTIFY_ERRORS[fastifyCode];
      if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') return [status, { error: tooLargeMessage(request) }];
      return [status, { error }];
    }
    if (typeof fastifyCode === 'string' && fastifyCode.startsWith('FST_')) {
      const status = (exception as { statusCode?: number }).statusCode ?? 500;
      if (status >= 400 && status < 500) return [status, { error: (exception as Error).message }];
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ err: exception, reqId: request?.id }, 'database unavailable');
      return [HttpStatus.SERVICE_UNAVAILABLE, { error: 'Database unavailable, try again shortly' }];
    }
    const state = sqlState(exception);
    // A data exception (22xxx) is input validation missed: a server bug, answered 500 below (logged).
    if (state === '23505') return [HttpStatus.CONFLICT, { error: 'The request conflicts with an existing record' }];
    if (state === '40001' || state === '40P01') {
      return [HttpStatus.CONFLICT, { error: 'The request conflicted with a concurrent change; retry it' }];
    }
    this.logger.error({ err: exception, reqId: request?.id }, 'unhandled error');
    return [HttpStatus.INTERNAL_SERVER_ERROR, { error: 'Internal server error' }];
  }
}

/** POST /leads/import reads CSV, every other route JSON. */
const IMPORT_ROUTE = /\/leads\/import(\?|$)/;

/** The 413 sentence: POST /leads/bulk and /leads/import take 10 MiB, every other route 1 MiB. */
function tooLargeMessage(request?: FastifyRequest): string {
  return /\/leads\/(bulk|import)(\?|$)/.test(request?.url ?? '') ? 'Request body is larger than 10 MiB' : FASTIFY_ERRORS.FST_ERR_CTP_BODY_TOO_LARGE[1];
}

function fromHttpException(exception: HttpException): ErrorBody {
  const response = exception.getResponse();
  if (typeof response === 'string') return { error: response };
  const body = response as Record<string, unknown>;
  // ours already ({"error", "details"?}: ValidationException), else Nest's {statusCode, message, error}
  if (typeof body.error === 'string' && !('statusCode' in body)) return body as unknown as ErrorBody;
  const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
  return { error: typeof message === 'string' && message ? sentence(message) : exception.message };
}

/** Nest's default messages ("Cannot GET /x") read better as a sentence. */
function sentence(message: string): string {
  const m = /^Cannot (\w+) (.*)$/.exec(message);
  return m ? `Route ${m[1]} ${m[2]} not found` : message;
}
