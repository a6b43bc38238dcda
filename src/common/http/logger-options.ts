import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import { redactUrl, sanitizeHeaders } from '../../audit/request-meta';
import type { AppConfig } from '../../config/app-config';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A client's X-Request-Id when it is sane, else a new UUID. Fastify and the logs share it. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Structured JSON logs (pino) with request ids; credentials are never written. */
export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      genReqId: (req) => (req as IncomingMessage & { id?: string }).id ?? requestId(req),
      // The audit log's redaction rule (sanitizeHeaders, redactUrl): one rule for both logs.
      serializers: { req: logRequest },
      redact: { paths: ['res.headers["set-cookie"]'], censor: '[REDACTED]' },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
    },
  };
}

/** A request as the process log writes it (pino-http's serialized request): headers and URL redacted as in the audit log. */
function logRequest(req: { id?: unknown; method?: string; url?: string; headers?: Record<string, string | string[] | undefined>; remoteAddress?: string; remotePort?: number }) {
  return {
    id: req.id,
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    headers: sanitizeHeaders(req.headers ?? {}),
    remoteAddress: req.remoteAddress,
    remotePort: req.remotePort,
  };
}
