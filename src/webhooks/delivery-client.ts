import { request as httpRequest, type Agent as HttpAgent, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import { checkLiteral, DestinationNotAllowed, guardedLookup, urlProblem, type DestinationPolicy } from './destination-guard';

/** A 2xx within this time is delivered (API.md 10). */
export const ATTEMPT_TIMEOUT_MS = 15_000;
/** Bytes of a response body kept (API.md 10: not beyond 1 KiB). */
export const KEPT_BODY_BYTES = 1024;

export type AttemptResult = 'delivered' | 'http_error' | 'gone' | 'timeout' | 'network_error' | 'destination_not_allowed' | 'aborted';

/** Connection pools (keep-alive) for the attempts; without, each attempt has a connection of its own. */
export interface Agents {
  http: HttpAgent;
  https: HttpsAgent;
}

export interface AttemptOutcome {
  result: AttemptResult;
  statusCode: number | null;
  /** A short sentence for `lastError`; null when delivered */
  error: string | null;
  durationMs: number;
  responseBody: string | null;
}

/**
 * One POST of a signed event: no redirects followed (a 3xx is a failure), 15 s for the whole exchange, the
 * first KiB of the answer kept, and the address connected to checked by `guardedLookup` (or `checkLiteral`).
 * Never throws: every outcome is an AttemptOutcome.
 */
export function postEvent(
  rawUrl: string,
  headers: Record<string, string>,
  body: string,
  policy: DestinationPolicy,
  signal: AbortSignal,
  agents?: Agents,
  timeoutMs = ATTEMPT_TIMEOUT_MS,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const outcome = (result: AttemptResult, statusCode: number | null, error: string | null, responseBody: string | null = null): AttemptOutcome => ({
    result,
    statusCode,
    error: error && error.slice(0, 255),
    durationMs: Math.round(performance.now() - started),
    responseBody,
  });
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(rawUrl);
      const problem = urlProblem(url, policy);
      if (problem) return resolve(outcome('destination_not_allowed', null, 'destination not allowed'));
      checkLiteral(url, policy);
    } catch (error) {
      return resolve(outcome('destination_not_allowed', null, error instanceof DestinationNotAllowed ? error.message : 'invalid url'));
    }
    let settled = false;
    const settle = (o: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(o);
    };
    const https = url.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    let req: ClientRequest;
    let resent = false;
    let answered = false;
    const sendRequest = () => {
      req = send(
        url,
        {
          method: 'POST',
          agent: agents ? (https ? agents.https : agents.http) : false,
          lookup: guardedLookup(policy),
          headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'LeadDesk-Webhooks/1' },
        },
        (res: IncomingMessage) => {
          answered = true;
          const status = res.statusCode ?? 0;
          const chunks: Buffer[] = [];
          let kept = 0;
          const done = () => {
            const text = Buffer.concat(chunks).toString('utf8').replace(/\u0000/g, '');
            if (status >= 200 && status < 300) settle(outcome('delivered', status, null, text));
            else settle(outcome(status === 410 ? 'gone' : 'http_error', status, `HTTP ${status}`, text));
          };
          res.on('data', (chunk: Buffer) => {
            if (kept < KEPT_BODY_BYTES) {
              const part = chunk.subarray(0, KEPT_BODY_BYTES - kept);
              chunks.push(part);
              kept += part.length;
            }
            // Enough kept: the rest is not read (the status decided the outcome).
            if (kept >= KEPT_BODY_BYTES) {
              done();
              res.destroy();
            }
          });
          res.on('end', done);
          res.on('error', done);
          res.on('close', done);
        },
      );
      const sent = req;
      sent.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the receiver had closed meanwhile (its idle timeout raced our reuse): sent again
        // once, on a new connection (checked by the guarded lookup as any), as Node's documentation advises; not a
        // failed attempt waiting 5 s for its retry. A receiver may see the event twice (at least once).
        if (!resent && !settled && !answered && sent.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
          resent = true;
          sendRequest();
          return;
        }
        if (error instanceof DestinationNotAllowed) return settle(outcome('destination_not_allowed', null, 'destination not allowed'));
        settle(outcome('network_error', null, error.code ? `${error.code}: ${error.message}` : error.message));
      });
      sent.end(body);
    };
    const timer = setTimeout(() => {
      settle(outcome('timeout', null, `no answer within ${timeoutMs / 1000} s`));
      req.destroy();
    }, timeoutMs);
    const onAbort = () => {
      settle(outcome('aborted', null, 'attempt interrupted'));
      req.destroy();
    };
    signal.addEventListener('abort', onAbort);
    sendRequest();
  });
}
