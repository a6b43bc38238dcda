import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'OPTIONS';
  url: string;
  token?: string;
  account?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw payload sent as is (with the headers given); `body` is sent as JSON otherwise. */
  payload?: string | Buffer;
}

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

/** One HTTP request through Fastify's inject: the full stack (parsers, guards, pipes, filters), no socket. */
export async function call<T = any>(app: NestFastifyApplication, c: Call): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...(c.headers ?? {}) };
  if (c.token !== undefined) headers.authorization = `Bearer ${c.token}`;
  if (c.account !== undefined) headers['x-account-id'] = c.account;
  let payload = c.payload;
  if (payload === undefined && c.body !== undefined) {
    payload = JSON.stringify(c.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await app.inject({ method: c.method, url: c.url, headers, payload });
  let body: any = res.body;
  if ((res.headers['content-type'] ?? '').toString().includes('json') && res.body.length > 0) body = JSON.parse(res.body);
  return { status: res.statusCode, body, headers: res.headers as Answer['headers'] };
}

/** Bound to one app and one caller: `as(token, account).post('/teams', {name})`. */
export class Client {
  constructor(
    readonly app: NestFastifyApplication,
    readonly token?: string,
    readonly account?: string,
  ) {}

  as(token?: string, account?: string): Client {
    return new Client(this.app, token, account);
  }

  get<T = any>(url: string, headers?: Record<string, string>) {
    return call<T>(this.app, { method: 'GET', url, token: this.token, account: this.account, headers });
  }
  post<T = any>(url: string, body?: unknown, headers?: Record<string, string>) {
    return call<T>(this.app, { method: 'POST', url, token: this.token, account: this.account, body, headers });
  }
  patch<T = any>(url: string, body?: unknown, headers?: Record<string, string>) {
    return call<T>(this.app, { method: 'PATCH', url, token: this.token, account: this.account, body, headers });
  }
  delete<T = any>(url: string, headers?: Record<string, string>) {
    return call<T>(this.app, { method: 'DELETE', url, token: this.token, account: this.account, headers });
  }
}
