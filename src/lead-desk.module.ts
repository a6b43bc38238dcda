import { DynamicModule, Global, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessLogModule } from './access-log/access-log.module';
import { AccessLogRecordEntity } from './access-log/access-log-record.entity';
import { MemberAwayPeriodEntity } from './accounts/member-away-period.entity';
import { AccountEntity } from './accounts/account.entity';
import { AccountsModule } from './accounts/accounts.module';
import { ApiKeyEntity } from './accounts/api-key.entity';
import { MembershipEntity } from './accounts/membership.entity';
import { AuditEntryEntity } from './audit/audit-entry.entity';
import { AuditSealEntity } from './audit/audit-seal.entity';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { PaginationModule } from './common/pagination/pagination.module';
import { AppConfig } from './config/app-config';
import { LeadSourceEntity } from './lead-sources/lead-source.entity';
import { JobsModule } from './jobs/jobs.module';
import { DatabaseServicesModule } from './database/read-replicas';
import { LeadSourcesModule } from './lead-sources/lead-sources.module';
import { runLeadDeskMigrations } from './lead-desk.migrations';
import { leadDeskConfig, type LeadDeskAsyncOptions, type LeadDeskOptions } from './lead-desk.options';
import { IdempotencyKeyEntity } from './leads/idempotency-key.entity';
import { LeadEntity } from './leads/lead.entity';
import { LeadsModule } from './leads/leads.module';
import { RotationMemberEntity } from './rotations/rotation-member.entity';
import { RotationEntity } from './rotations/rotation.entity';
import { RotationsModule } from './rotations/rotations.module';
import { TeamEntity } from './teams/team.entity';
import { TeamsModule } from './teams/teams.module';
import { EventEntity } from './webhooks/event.entity';
import { WebhookDeliveryEntity } from './webhooks/webhook-delivery.entity';
import { WebhookEndpointEntity } from './webhooks/webhook-endpoint.entity';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * Lead Desk's features: their services, their controllers (each with its own guards, pipe and filter through
 * @LeadDeskController) and their entities. The standalone server (AppModule) and LeadDeskModule import the
 * same list, so a lead created in a host follows the same rules, assignment and audit as one created over HTTP.
 */
export const LEAD_DESK_FEATURES = [DatabaseServicesModule, PaginationModule, JobsModule, AccessLogModule, AuditModule, AccountsModule, AuthModule, TeamsModule, LeadSourcesModule, RotationsModule, WebhooksModule, LeadsModule];

/**
 * One entity per table, each describing its table exactly as migrations/ create it (test/schema-drift.e2e-spec.ts:
 * `migration:generate` finds nothing on a migrated database). The feature modules register them
 * (TypeOrmModule.forFeature); list them in a host DataSource's `entities` when it has no `autoLoadEntities`.
 */
export const LEAD_DESK_ENTITIES = [
  AccountEntity,
  MembershipEntity,
  ApiKeyEntity,
  AuditEntryEntity,
  TeamEntity,
  LeadSourceEntity,
  RotationEntity,
  RotationMemberEntity,
  LeadEntity,
  IdempotencyKeyEntity,
  AuditSealEntity,
  AccessLogRecordEntity,
  MemberAwayPeriodEntity,
  EventEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
];

/** The host's options, after its factory ran. */
export const LEAD_DESK_OPTIONS = Symbol('LEAD_DESK_OPTIONS');

/** The options and the AppConfig made of them, for every Lead Desk module (they find AppConfig globally, as in the standalone server). */
@Global()
@Module({})
class LeadDeskConfigModule {
  static forRootAsync(options: LeadDeskAsyncOptions): DynamicModule {
    return {
      module: LeadDeskConfigModule,
      imports: options.imports ?? [],
      providers: [
        { provide: LEAD_DESK_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
        { provide: AppConfig, inject: [LEAD_DESK_OPTIONS], useFactory: leadDeskConfig },
      ],
      exports: [LEAD_DESK_OPTIONS, AppConfig],
    };
  }
}

/** Applies Lead Desk's migrations to the host's DataSource at start-up when the host asked for it. */
@Injectable()
class LeadDeskSchema implements OnModuleInit {
  private readonly logger = new Logger('LeadDesk');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.database.migrationsRun) return;
    const applied = await runLeadDeskMigrations(this.dataSource);
    if (applied.length > 0) this.logger.log(`Applied migrations: ${applied.join(', ')}`);
  }
}

/**
 * Lead Desk inside another NestJS application. The host brings the database (`TypeOrmModule.forRoot(...)`,
 * its default DataSource, PostgreSQL; `autoLoadEntities: true` or LEAD_DESK_ENTITIES in its `entities`) and
 * gets Lead Desk's routes and its services (LeadsService, RotationsService, TeamsService, ...) to call
 * in-process. Nothing global leaks into the host: Lead Desk's guards, validation pipe and error filter sit on
 * Lead Desk's own controllers, its passport strategy has a name of its own (`lead-desk-jwt`), and its rate
 * limiter uses its own providers.
 */
@Module({})
export class LeadDeskModule {
  static forRoot(options: LeadDeskOptions): DynamicModule {
    return LeadDeskModule.forRootAsync({ useFactory: () => options });
  }

  static forRootAsync(options: LeadDeskAsyncOptions): DynamicModule {
    return {
      module: LeadDeskModule,
      imports: [LeadDeskConfigModule.forRootAsync(options), ...LEAD_DESK_FEATURES],
      providers: [LeadDeskSchema],
      exports: [AuditModule, AccountsModule, TeamsModule, LeadSourcesModule, RotationsModule, WebhooksModule, LeadsModule],
    };
  }
}

export type { LeadDeskAsyncOptions, LeadDeskOptions };
