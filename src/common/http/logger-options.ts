import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import { redactUrl, sanitizeHeaders } from '../../audit/request-meta';
import type { AppConfig } from '../../config/app-config';
import { requestId } from './request-id';

export { requestId } from './request-id';

/**
 * pino-pretty (a devDependency) when it is installed: absent from production installs (`npm ci --omit=dev`,
 * the Docker image, a host's node_modules), where the logs stay JSON.
 */
function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * Structured logs (pino) with request ids; credentials are never written. JSON in production and whenever
 * stdout is not a terminal (files, pipes, containers, log collectors); one readable line per entry for a person
 * at a terminal in development. A request's log line carries the request and the response's status code, not
 * the response headers (the whole Content-Security-Policy on every line, ~1.5 KB a request).
 */
export function loggerOptions(config: AppConfig, stdoutIsTerminal = Boolean(process.stdout.isTTY)): Params {
  const pretty = stdoutIsTerminal && config.nodeEnv !== 'production' && prettyAvailable();
  return {
    pinoHttp: {
      level: config.logLevel,
      ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
      genReqId: (req) => (req as IncomingMessage & { id?: string }).id ?? requestId(req),
      // Requests through the audit log's redaction rule (sanitizeHeaders, redactUrl): one rule for both logs.
      // Responses by their status code only (no headers, so no Set-Cookie and no CSP on every line).
      serializers: { req: logRequest, res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }) },
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
