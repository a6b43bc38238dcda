// Writes the OpenAPI document to openapi.json at the repository root (or prints it with --stdout), without a
// database: Nest's preview mode resolves the module graph and the routes but instantiates no provider, so no
// connection is opened. Run through `npm run openapi` (nest build first, so the swagger CLI plugin has run on
// the DTOs exactly as for the server).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { buildOpenApiDocument } from './common/http/openapi';
import { loadConfig } from './config/config.module';

export const OPENAPI_FILE = join(__dirname, '..', 'openapi.json');

/** The document the running server serves at /docs-json, built from the code alone. */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  // Fixed configuration: the document must not depend on the environment it is generated in.
  const config = loadConfig({
    NODE_ENV: 'development',
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    JWT_SECRET: 'openapi-generation-only-not-a-secret',
    LOG_LEVEL: 'silent',
  });
  const app = await NestFactory.create(AppModule.forRoot(config), new FastifyAdapter(), { preview: true, logger: false, abortOnError: false });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

const TOP_LEVEL_ORDER = ['openapi', 'info', 'servers', 'tags', 'security', 'paths', 'components', 'webhooks', 'externalDocs'];
const METHOD_ORDER = ['get', 'put', 'post', 'patch', 'delete', 'options', 'head', 'trace'];

/**
 * The document as committed: 2-space JSON with a trailing newline, in an order that does not depend on the
 * order modules are imported or decorators run. Paths, schemas and response codes are sorted; methods follow
 * HTTP order; inside an operation or a schema the keys keep the order of the source (a DTO's properties in
 * declaration order read best), which the code fixes.
 */
export function serializeOpenApiDocument(document: OpenAPIObject): string {
  const doc = document as unknown as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of [...TOP_LEVEL_ORDER, ...Object.keys(doc).sort()]) if (key in doc && !(key in ordered)) ordered[key] = doc[key];

  const paths = sortKeys((doc.paths ?? {}) as Record<string, Record<string, unknown>>);
  for (const [path, item] of Object.entries(paths)) {
    const methods = Object.keys(item).sort((a, b) => rank(METHOD_ORDER, a) - rank(METHOD_ORDER, b) || a.localeCompare(b));
    const sortedItem: Record<string, unknown> = {};
    for (const method of methods) {
      const operation = item[method] as Record<string, unknown>;
      sortedItem[method] =
        operation && typeof operation === 'object' && operation.responses
          ? { ...operation, responses: sortKeys(operation.responses as Record<string, unknown>) }
          : operation;
    }
    paths[path] = sortedItem;
  }
  ordered.paths = paths;

  const components = doc.components as Record<string, Record<string, unknown>> | undefined;
  if (components) {
    const sortedComponents: Record<string, unknown> = {};
    for (const kind of Object.keys(components).sort()) sortedComponents[kind] = sortKeys(components[kind]);
    ordered.components = sortedComponents;
  }
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

function sortKeys<T>(object: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(object).sort().map((key) => [key, object[key]]));
}

function rank(order: string[], key: string): number {
  const i = order.indexOf(key);
  return i < 0 ? order.length : i;
}

async function main(): Promise<void> {
  const text = serializeOpenApiDocument(await generateOpenApiDocument());
  if (process.argv.includes('--stdout')) {
    process.stdout.write(text);
    return;
  }
  writeFileSync(OPENAPI_FILE, text);
  const paths = Object.keys(JSON.parse(text).paths).length;
  console.error(`wrote ${OPENAPI_FILE} (${paths} paths)`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
