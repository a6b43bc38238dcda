import helmet from '@fastify/helmet';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Logger } from 'nestjs-pino';
import { parse as parseJson } from 'secure-json-parse';
import { AppModule } from './app.module';
import { installDrainHook } from './common/http/drain';
import { requestId } from './common/http/logger-options';
import { setupSwagger } from './common/http/openapi';
import type { AppConfig } from './config/app-config';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds the whole HTTP application (adapter, parsers, pipes, filters, docs); main.ts and tests both use it. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    genReqId: requestId,
    // Shutdown: requests on open keep-alive connections are answered normally (never 503), idle ones closed.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false, // throw instead of process.exit, so callers (main.ts, tests, hosts) decide
  });
  app.useLogger(app.get(Logger));
  useJsonOnly(app.getHttpAdapter().getInstance());
  installDrainHook(app.getHttpAdapter().getInstance());
  await app.register(helmet, {
    // The Swagger UI at /docs loads its own scripts and styles from this origin.
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] },
    },
  });
  // CORS is closed unless CORS_ORIGINS lists the browser origins allowed to call the API.
  app.enableCors({
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    allowedHeaders: ['authorization', 'content-type', 'x-account-id', 'idempotency-key', 'x-request-id'],
    exposedHeaders: ['retry-after', 'x-request-id'],
    maxAge: 600,
  });
  setupSwagger(app);
  return app;
}

/** JSON is the only body the API reads: anything else is 415, malformed JSON 400, prototype keys 400. */
function useJsonOnly(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, parseJson(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch {
      done(Object.assign(new Error('Malformed JSON in request body'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON' }), undefined);
    }
  });
}
