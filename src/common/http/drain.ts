import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { Server } from 'node:net';

const draining = new WeakSet<FastifyInstance>();

/** While draining, every response tells the client to close its connection. */
export function installDrainHook(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (draining.has(fastify)) reply.header('connection', 'close');
    done();
  });
}

/**
 * Graceful stop: refuse new connections at once, keep answering requests that arrive on connections
 * already open (with `Connection: close`) for `graceMs`, then close the app: Fastify waits for requests
 * in flight and closes idle connections, then the database pool is closed.
 * (Node's `server.close()` would close idle keep-alive connections immediately, resetting a request
 * that was on its way; stopping the listener alone does not.)
 */
export async function drainAndClose(app: NestFastifyApplication, graceMs: number): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  draining.add(fastify);
  Server.prototype.close.call(fastify.server);
  await new Promise((resolve) => setTimeout(resolve, graceMs));
  await app.close();
}
