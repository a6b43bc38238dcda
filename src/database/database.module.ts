import { Inject, Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { describeDatabase, openDatabase, type OpenedDatabase } from './data-source-options';
import { runMigrationsLocked } from './migration-runner';

/** The database the app opened (PGlite or a server), shared by TypeORM's factory and the lifecycle below. */
const OPENED_DATABASE = Symbol('OPENED_DATABASE');

@Module({
  providers: [{ provide: OPENED_DATABASE, inject: [AppConfig], useFactory: (config: AppConfig) => openDatabase(config.database) }],
  exports: [OPENED_DATABASE],
})
class OpenedDatabaseModule {}

@Injectable()
class DatabaseLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OPENED_DATABASE) private readonly database: OpenedDatabase,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.logger.log(`Using ${describeDatabase(this.config.database)}`);
    if (!this.config.database.migrationsRun) return;
    const applied = await runMigrationsLocked(this.dataSource);
    if (applied.length > 0) this.logger.log(`Applied migrations: ${applied.join(', ')}`);
  }

  /**
   * After the HTTP server has drained: the pool first, then PGlite, so its last writes reach DATA_DIR
   * and the folder's lock is released. TypeORM's own hook skips a DataSource already destroyed.
   */
  async onApplicationShutdown(): Promise<void> {
    try {
      if (this.dataSource.isInitialized) await this.dataSource.destroy();
    } finally {
      await this.database.close();
    }
  }
}

@Module({
  imports: [
    OpenedDatabaseModule,
    TypeOrmModule.forRootAsync({
      imports: [OpenedDatabaseModule],
      inject: [OPENED_DATABASE],
      useFactory: (database: OpenedDatabase) => ({ ...database.options, autoLoadEntities: true, retryAttempts: 0 }),
    }),
  ],
  providers: [DatabaseLifecycle],
})
export class DatabaseModule {}
