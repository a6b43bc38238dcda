import { applyDecorators, Controller, SetMetadata, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { AccessLogGuard } from '../../access-log/access-log.guard';
import { AccountGuard } from '../../auth/account.guard';
import { AuthGuard } from '../../auth/auth.guard';
import { AllExceptionsFilter } from '../filters/all-exceptions.filter';
import { AppValidationPipe } from '../pipes/app-validation.pipe';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';

/** Marks a controller as Lead Desk's (read by the standalone server's DeclaredRoutesGuard). */
export const LEAD_DESK_CONTROLLER_KEY = 'leaddesk:controller';

/**
 * Declares one of Lead Desk's controllers. Its routes, and only they, get Lead Desk's guards in this order:
 * the request's audit context and (in a host application) its access-log record, whatever answers it;
 * principal, rate limit (429), account and role (401/400/403, deny by default: a route without @Public,
 * @Authenticated or @Permission is refused); then its validation pipe, and its error
 * filter (the contract's `{"error": ...}` bodies). Scoped to the controller rather than global (APP_GUARD, APP_PIPE, APP_FILTER) so
 * that a host application importing LeadDeskModule keeps its own routes exactly as they were.
 */
export const LeadDeskController = (prefix?: string) =>
  applyDecorators(
    prefix === undefined ? Controller() : Controller(prefix),
    SetMetadata(LEAD_DESK_CONTROLLER_KEY, true),
    UseGuards(AccessLogGuard, AuthGuard, RateLimitGuard, AccountGuard),
    UsePipes(AppValidationPipe),
    UseFilters(AllExceptionsFilter),
  );
