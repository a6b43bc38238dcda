import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiForbiddenResponse, ApiHeader, ApiSecurity, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Permission as PermissionName } from '../../accounts/roles';
import { PERMISSIONS } from '../../accounts/roles';
import { ErrorResponseDto } from '../http/error-response.dto';
import { ACCOUNT_SCHEME, BEARER_SCHEME } from '../http/openapi';

export const PUBLIC_KEY = 'leaddesk:public';
export const PERMISSION_KEY = 'leaddesk:permission';
export const AUTHENTICATED_KEY = 'leaddesk:authenticated';

/** No token needed (health, docs). Everything else is denied by default. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

const unauthorized = () =>
  ApiUnauthorizedResponse({ description: 'Missing, malformed, expired or revoked token', type: ErrorResponseDto, example: { error: 'Authentication required' } });
const rateLimited = () =>
  ApiTooManyRequestsResponse({ description: 'Rate limited; see Retry-After', type: ErrorResponseDto, example: { error: 'Too many requests, retry later' } });

/** A route for any authenticated caller that is not scoped to an account (accounts themselves). */
export const Authenticated = () =>
  applyDecorators(
    SetMetadata(AUTHENTICATED_KEY, true),
    ApiBearerAuth(),
    ApiBadRequestResponse({ description: 'Invalid input', type: ErrorResponseDto, example: { error: 'Request validation failed' } }),
    unauthorized(),
    rateLimited(),
  );

/**
 * An account-scoped route needing `permission`. Enforced by the account guard and documented here
 * (bearer auth with the `account` scheme, the `x-account-id` header, 400/401/403), so docs and enforcement cannot drift.
 */
export const Permission = (permission: PermissionName) =>
  applyDecorators(
    SetMetadata(PERMISSION_KEY, permission),
    // Both schemes in one requirement: the token and the account header together (Swagger UI's Authorize sets
    // both once). The header is documented on the operation too, without an example: Swagger UI would
    // pre-fill it, and no example id is an account of the reader's.
    ApiSecurity({ [BEARER_SCHEME]: [], [ACCOUNT_SCHEME]: [] }),
    ApiHeader({ name: 'x-account-id', required: true, description: 'Account ID for the request', schema: { type: 'string' } }),
    unauthorized(),
    ApiForbiddenResponse({
      description: `Not an active member of the account, or the role is below ${PERMISSIONS[permission]}`,
      type: ErrorResponseDto,
      example: { error: 'You do not have access to this account' },
    }),
    ApiBadRequestResponse({ description: 'Missing x-account-id header, or invalid input', type: ErrorResponseDto, example: { error: 'x-account-id header is required' } }),
    rateLimited(),
  );
