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
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A JWT (HS256) or an API key starting with ldk_' })
    .build();
  return SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto, FieldErrorDto] });
}

export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
    customSiteTitle: 'Lead Desk API',
  });
}
