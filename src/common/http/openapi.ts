import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorResponseDto, FieldErrorDto } from './error-response.dto';

/** The OpenAPI 3 document, generated from the decorators (and the swagger CLI plugin's metadata). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Lead Desk API')
    .setDescription(
      'Multi-tenant lead management for teams that sell payment processing. ' +
        'Authenticate with `Authorization: Bearer <JWT or ldk_ API key>` and pick the account with `x-account-id`. ' +
        'Every error body is `{"error": "..."}`; validation errors add `details`.',
    )
    .setVersion('1.0.0')
    // Relative: the server that serves the document (Swagger UI calls the same origin).
    .addServer('/', 'The server this document is served from')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A JWT (HS256) or an API key starting with ldk_' })
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto, FieldErrorDto] });
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

export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
    customSiteTitle: 'Lead Desk API',
  });
}
