import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from '../../client/schema';

/** The typed client of the API: paths, parameters, bodies and answers checked by `tsc` against openapi.json. */
export type LeadDeskClient = Client<paths>;

export interface TypedClientOptions {
  /** Sent as `Authorization: Bearer <token>` on every request that does not set its own. */
  token?: string;
}

/**
 * An openapi-fetch client (the one generated types of client/schema.d.ts drive) whose requests go through
 * Fastify's `inject` into `app`: the whole stack (parsers, guards, pipes, filters), no socket. Point it at a
 * real server instead with `createClient<paths>({ baseUrl })`.
 */
export function typedClient(app: NestFastifyApplication, options: TypedClientOptions = {}): LeadDeskClient {
  const client = createClient<paths>({ baseUrl: 'http://lead-desk.test', fetch: (request) => injectFetch(app, request) });
  client.use(defaultHeaders(options));
  return client;
}

// The x-account-id header is not defaulted here on purpose: the document requires it per operation, so the
// types make every account-scoped call pass it (`params: { header: { 'x-account-id': id } }`).
function defaultHeaders({ token }: TypedClientOptions): Middleware {
  return {
    onRequest({ request }) {
      if (token !== undefined && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  };
}

/** A WHATWG fetch over `app.inject`: the Request in, a Response out. */
async function injectFetch(app: NestFastifyApplication, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
  const res = await app.inject({
    method: request.method as 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: url.pathname + url.search,
    headers,
    payload: body,
  });
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, String(v));
  }
  // A Response with a null-body status (204, 304) must not be given a body, even an empty one.
  const nullBody = res.statusCode === 204 || res.statusCode === 304;
  return new Response(nullBody ? null : res.rawPayload, { status: res.statusCode, headers: responseHeaders });
}
