import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config';
import { validateEnvironment } from './environment';

export type EnvironmentOverrides = Record<string, string | undefined>;

/**
 * Reads and validates the environment once (class-validator; a bad value throws naming the variable).
 * `overrides` win over `process.env`: tests, scripts and host applications use them; an override set to
 * `undefined` unsets the variable.
 */
export function loadConfig(overrides: EnvironmentOverrides = {}): AppConfig {
  const env: Record<string, string | undefined> = { ...process.env, ...overrides };
  for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete env[k];
  return new AppConfig(validateEnvironment(env));
}

/** Provides the typed AppConfig everywhere, and @nestjs/config's ConfigService (key `app`) for libraries. */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [NestConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ app: config })] })],
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
