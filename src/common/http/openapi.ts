import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorResponseDto, FieldErrorDto } from './error-response.dto';

/** The security scheme names: bearer (JWT or API key) and the account header, set once under Authorize. */
export const BEARER_SCHEME = 'bearer';
export const ACCOUNT_SCHEME = 'account';

/** The tags in the order a person meets them: first an account, its people and keys, then its set-up, then leads. */
export const TAG_ORDER: [name: string, description: string][] = [
  ['accounts', 'Create an account (you become its owner) and list yours: the id is the x-account-id of every other call'],
  ['members', 'The people of the account and their roles'],
  ['api-keys', 'Keys for integrations (web forms, Zapier-style tools), each with a role'],
  ['teams', 'Sales teams: a lead belongs to one when the account has teams'],
  ['lead-sources', "Where a team's leads come from"],
  ['rotations', 'Round-robin assignment of new leads to members, per team or account-wide'],
  ['leads', 'Create, list, search, update, archive and convert leads'],
  ['webhooks', 'Signed webhooks (Standard Webhooks) of lead events, with retries, deliveries and replay (admins and owners)'],
  ['audit', 'The append-only audit log: list, verify its seals, export'],
  ['access-logs', 'Every request to the API, whatever its answer (admins and owners)'],
  ['health', 'Liveness and readiness, no token needed'],
];

const BEARER_DESCRIPTION =
  'A JWT (HS256, signed with the server\'s JWT_SECRET) or an API key starting with ldk_. ' +
  'To get a development token: `npm run token -- --email you@example.com` in the repository, ' +
  '`npm run seed:demo` (creates a demo account and prints a token and its x-account-id), ' +
  'or in the Docker image `node dist/main.js token --email you@example.com`. ' +
  'Then create an account (POST /accounts) or use the demo one, and put its id under `account` below.';

const ACCOUNT_DESCRIPTION =
  'The account id for every account-scoped call (the `x-account-id` header): the `id` of POST /accounts or GET /accounts, ' +
  'or the one `npm run seed:demo` prints. Set here once, every "Try it out" sends it.';

/** The OpenAPI 3 document, generated from the decorators (and the swagger CLI plugin's metadata). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Lead Desk API')
    .setDescription(
      'Multi-tenant lead management for teams that sell payment processing. ' +
        'Authenticate with `Authorization: Bearer <JWT or ldk_ API key>` and pick the account with `x-account-id` ' +
        '(in this page: **Authorize**, fill both `bearer` and `account`). ' +
        'Every error body is `{"error": "..."}`; validation errors add `details`.',
    )
    .setVersion('1.0.0')
    // Relative: the server that serves the document (Swagger UI calls the same origin).
    .addServer('/', 'The server this document is served from')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: BEARER_DESCRIPTION }, BEARER_SCHEME)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-account-id', description: ACCOUNT_DESCRIPTION }, ACCOUNT_SCHEME);
  for (const [name, description] of TAG_ORDER) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), { extraModels: [ErrorResponseDto, FieldErrorDto] });
  markPublicOperations(document);
  return document;
}

/**
 * Routes are denied by default: every one but the @Public() ones carries bearer auth through @Authenticated()
 * or @Permission(). So an operation without a security requirement is a public one, and the document says so
 * explicitly (`security: []`), which linters and generated clients read as "no credentials".
 */
function markPublicOperations(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const) {
      const operation = item[method];
      if (operation && !operation.security) operation.security = [];
    }
  }
}

/**
 * A Swagger UI plugin (runs in the browser: serialized into /docs/swagger-ui-init.js by @nestjs/swagger, so it
 * must not use anything from this module). Swagger UI refuses to execute while a required parameter is empty,
 * and each operation documents its required x-account-id header; when the `account` scheme is authorized, an
 * empty x-account-id is filled with its value just before Swagger UI validates the parameters, so the account
 * set once under Authorize is what every "Try it out" sends (and shows). A value typed into the field wins.
 */
function accountHeaderPlugin(): object {
  return {
    statePlugins: {
      spec: {
        wrapActions: {
          validateParams:
            (original: (...args: unknown[]) => unknown, system: any) =>
            (pathMethod: [string, string], ...rest: unknown[]) => {
              const account = system.authSelectors.authorized().getIn(['account', 'value']);
              const params = system.specSelectors.specJsonWithResolvedSubtrees().getIn(['paths', pathMethod[0], pathMethod[1], 'parameters']);
              if (account && params) {
                params.forEach((param: any) => {
                  if (param.get('in') !== 'header' || String(param.get('name')).toLowerCase() !== 'x-account-id') return;
                  const meta = system.specSelectors.parameterWithMetaByIdentity(pathMethod, param);
                  if (!meta || !meta.get('value')) system.specActions.changeParamByIdentity(pathMethod, param, String(account), false);
                });
              }
              return original(pathMethod, ...rest);
            },
        },
      },
    },
  };
}

/** Swagger UI's own (the top bar's spec loader), kept beside ours since `plugins` replaces the list. */
function downloadUrlPlugin(system: unknown): unknown {
  return (globalThis as any).SwaggerUIBundle.plugins.DownloadUrl(system);
}

/** Swagger UI at /docs (the document at /docs-json), and `GET /` sends a browser there. */
export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true, plugins: [downloadUrlPlugin, accountHeaderPlugin] },
    customSiteTitle: 'Lead Desk API',
  });
  const http = app.getHttpAdapter();
  http.get('/', (_request: unknown, reply: unknown) => http.redirect(reply, 302, '/docs'));
}
