import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AccountsModule } from './accounts/accounts.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { DeclaredRoutesGuard } from './auth/declared-routes.guard';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { loggerOptions } from './common/http/logger-options';
import { PaginationModule } from './common/pagination/pagination.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LeadSourcesModule } from './lead-sources/lead-sources.module';
import { LeadsModule } from './leads/leads.module';
import { RotationsModule } from './rotations/rotations.module';
import { TeamsModule } from './teams/teams.module';

/**
 * The standalone server. Lead Desk's controllers carry their guards, pipe and filter themselves
 * (@LeadDeskController); the server adds what only a whole application has: the error filter for what no
 * route answers (unknown routes, body parsing, 413/415) and deny by default for any controller not declared
 * as Lead Desk's.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerOptions(config)),
        DatabaseModule,
        PaginationModule,
        AuditModule,
        AccountsModule,
        AuthModule,
        HealthModule,
        TeamsModule,
        LeadSourcesModule,
        RotationsModule,
        LeadsModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: DeclaredRoutesGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
