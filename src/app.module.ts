import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { DeclaredRoutesGuard } from './auth/declared-routes.guard';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { loggerOptions } from './common/http/logger-options';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LEAD_DESK_FEATURES } from './lead-desk.module';
import { MetricsModule } from './metrics/metrics.module';

/**
 * The standalone server: configuration from the environment, logs, its own database, Lead Desk's features and
 * health. Lead Desk's controllers carry their guards, pipe and filter themselves (@LeadDeskController); the
 * server adds what only a whole application has: the error filter for what no route answers (unknown routes,
 * body parsing, 413/415) and deny by default for any controller not declared as Lead Desk's.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [AppConfigModule.forRoot(config), LoggerModule.forRoot(loggerOptions(config)), DatabaseModule, ...LEAD_DESK_FEATURES, HealthModule, MetricsModule],
      providers: [
        { provide: APP_GUARD, useClass: DeclaredRoutesGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
