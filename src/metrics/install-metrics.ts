import type { FastifyInstance } from 'fastify';
import type { MetricsService } from './metrics.service';

/**
 * The standalone server's side of the metrics: one onResponse hook observing every request (route template,
 * method, status, duration as Fastify measured it; no Nest interceptor on the hot path), and, without
 * METRICS_PORT, `GET /metrics` on the API port behind METRICS_TOKEN. Nothing at all while metrics are off.
 */
export function installMetrics(fastify: FastifyInstance, metrics: MetricsService, onApiPort: boolean): void {
  if (!metrics.enabled) return;
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  if (!onApiPort) return;
  fastify.get('/metrics', async (request, reply) => {
    if (!metrics.authorized(request.headers.authorization)) {
      return reply
        .code(401)
        .header('content-type', 'application/json; charset=utf-8')
        .send(JSON.stringify({ error: 'Authentication required: send METRICS_TOKEN as a bearer token' }));
    }
    const { contentType, body } = await metrics.scrape();
    return reply.code(200).header('content-type', contentType).send(body);
  });
}
