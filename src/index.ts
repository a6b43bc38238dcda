// The entry point for other NestJS services (package.json `main` / `types` / `exports`): LeadDeskModule, the
// services a host calls in-process, the helpers to call them as a request would, and the DTO types.
// README: "Use it from another NestJS service".

export { LeadDeskModule, LEAD_DESK_ENTITIES, LEAD_DESK_OPTIONS } from './lead-desk.module';
export type { LeadDeskAsyncOptions, LeadDeskOptions } from './lead-desk.options';
export { LEAD_DESK_MIGRATIONS, type MigrationClass } from './database/migration-runner';
export { runLeadDeskMigrations } from './lead-desk.migrations';

// Services
export { AccountsService } from './accounts/accounts.service';
export { MembersService } from './accounts/members.service';
export { ApiKeysService } from './accounts/api-keys.service';
export { AccountContexts } from './accounts/account-contexts.service';
export { AuditService, type EntityType } from './audit/audit.service';
export { TeamsService } from './teams/teams.service';
export { LeadSourcesService } from './lead-sources/lead-sources.service';
export { RotationsService } from './rotations/rotations.service';
export { AssignmentService, type Assignment, type AssignmentExplanation, type AssignmentReason, type RotationRecord } from './rotations/assignment.service';
export { MemberAwayService } from './accounts/member-away.service';
export { LeadsService, type CreateLeadOptions, type CreateLeadResult } from './leads/leads.service';
export { LeadReadsService } from './leads/lead-reads.service';
export { LeadChangesService, type UpdateLeadOptions } from './leads/lead-changes.service';
export { WebhooksService } from './webhooks/webhooks.service';
export { OutboxService } from './webhooks/outbox.service';
export { WebhookMetrics, WebhookAttempts, type OutboxLag } from './webhooks/webhook-observers';
export { EVENT_TYPES, type EventType } from './webhooks/event-types';

// In-process callers
export type { AccountContext, InProcessCaller } from './common/account-context';
export { inProcessActor, inProcessContext, userPrincipal } from './common/account-context';
export type { Actor } from './audit/actor';
export type { RequestMeta } from './audit/request-meta';
export type { Principal } from './auth/principal';
export { ROLES, PERMISSIONS, hasPermission, type Permission, type Role } from './accounts/roles';
export { validateInput } from './common/pipes/validate-input';
export { ValidationException } from './common/http/validation.exception';
export { signLeadDeskToken, type JwtSettings } from './auth/dev-token';

// Errors: what services throw, in-process as over HTTP (the error filter answers them with their sentence and
// the status of their kind)
export { DomainError, type DomainErrorBody, type DomainErrorKind } from './common/errors/domain-error';
export { DomainErrorFilter } from './common/errors/domain-error.filter';
export { AccountError, type AccountErrorCode } from './accounts/accounts.errors';
export { TeamError, type TeamErrorCode } from './teams/teams.errors';
export { LeadSourceError, type LeadSourceErrorCode } from './lead-sources/lead-sources.errors';
export { RotationError, type RotationErrorCode } from './rotations/rotations.errors';
export {
  IdempotencyError,
  LeadError,
  LeadListError,
  type IdempotencyErrorCode,
  type LeadErrorCode,
  type LeadListErrorCode,
} from './leads/leads.errors';
export { WebhookError, type WebhookErrorCode } from './webhooks/webhooks.errors';

// Entities: one per table, for a host's DataSource (LEAD_DESK_ENTITIES) and its repositories
export { AccountEntity } from './accounts/account.entity';
export { MembershipEntity } from './accounts/membership.entity';
export { ApiKeyEntity } from './accounts/api-key.entity';
export { AuditEntryEntity } from './audit/audit-entry.entity';
export { TeamEntity } from './teams/team.entity';
export { LeadSourceEntity } from './lead-sources/lead-source.entity';
export { RotationEntity } from './rotations/rotation.entity';
export { RotationMemberEntity } from './rotations/rotation-member.entity';
export { LeadEntity } from './leads/lead.entity';
export { IdempotencyKeyEntity } from './leads/idempotency-key.entity';
export { MemberAwayPeriodEntity } from './accounts/member-away-period.entity';
export { EventEntity } from './webhooks/event.entity';
export { WebhookEndpointEntity } from './webhooks/webhook-endpoint.entity';
export { WebhookDeliveryEntity } from './webhooks/webhook-delivery.entity';

// DTOs
export { AccountDto, AccountPageDto, CreateAccountDto, RenameAccountDto, UpdateAccountDto } from './accounts/dto/account.dto';
export { AddMemberDto, AwayPeriodDto, AwayPeriodPageDto, CreateAwayDto, MemberDto, MemberPageDto, UpdateMemberDto } from './accounts/dto/member.dto';
export { ApiKeyDto, ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto } from './accounts/dto/api-key.dto';
export { AuditEntryDto, AuditPageDto } from './audit/dto/audit-entry.dto';
export { AuditQueryDto } from './audit/dto/audit-query.dto';
export { CreateTeamDto, TeamDto, TeamPageDto, UpdateTeamDto } from './teams/dto/team.dto';
export { CreateLeadSourceDto, LeadSourceDto, LeadSourcePageDto, UpdateLeadSourceDto } from './lead-sources/dto/lead-source.dto';
export {
  CreateRotationDto,
  RotationDto,
  RotationMemberDto,
  RotationMemberInputDto,
  RotationPageDto,
  UpdateRotationDto,
} from './rotations/dto/rotation.dto';
export { ConvertLeadDto } from './leads/dto/convert-lead.dto';
export { CreateLeadQueryDto } from './leads/dto/create-lead-query.dto';
export { LeadDto } from './leads/dto/lead.dto';
export { LeadInputDto } from './leads/dto/lead-input.dto';
export { LeadPageDto } from './leads/dto/lead-page.dto';
export { LeadPatchDto } from './leads/dto/lead-patch.dto';
export { ListLeadsQueryDto } from './leads/dto/list-leads-query.dto';
export { PageQueryDto } from './common/pagination/page-query.dto';
export {
  CreatedWebhookDto,
  CreateWebhookDto,
  DeliveriesQueryDto,
  QueuedDto,
  ReplayDto,
  UpdateWebhookDto,
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
  WebhookDto,
  WebhookPageDto,
} from './webhooks/dto/webhook.dto';
export { ErrorResponseDto, FieldErrorDto } from './common/http/error-response.dto';
