import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** API.md section 12: a caller's x-request-id of 1..128 visible ASCII characters (0x21-0x7E) is kept. */
const VALID_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The caller's `x-request-id` when valid, else a new UUID (the request is never refused for it). */
export function requestIdFromHeaders(headers: IncomingMessage['headers']): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Fastify's `genReqId`: the request id of the server log, the response header, the access log and audit entries. */
export function requestId(req: IncomingMessage): string {
  return requestIdFromHeaders(req.headers);
}
