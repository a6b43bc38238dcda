import { Inject, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { describeDatabase, postgresOptions } from './data-source-options';
import { runMigrationsLocked } from './migration-runner';

@Injectable()
class MigrationsOnBoot implements OnModuleInit {
  private readonly logger = new Logger('Database');
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.logger.log(`Using ${describeDatabase(this.config.database)}`);
    if (!this.config.database.migrationsRun) return;
    const applied = await runMigrationsLocked(this.dataSource);
    if (applied.length > 0) this.logger.log(`Applied migrations: ${applied.join(', ')}`);
  }
}

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...postgresOptions(config.database),
        autoLoadEntities: true,
        retryAttempts: 0,
      }),
    }),
  ],
  providers: [MigrationsOnBoot],
})
export class DatabaseModule {}
