import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { openDatabase, type OpenedDatabase } from './data-source-options';

/**
 * A DataSource that owns the database it opened: destroy() also closes PGlite and frees DATA_DIR,
 * and a failed initialize() frees them too. One use: it cannot be initialized again after destroy().
 */
export class OwningDataSource extends DataSource {
  constructor(private readonly database: OpenedDatabase) {
    super(database.options);
  }

  override async initialize(): Promise<this> {
    try {
      return await super.initialize();
    } catch (error) {
      await this.database.close();
      throw error;
    }
  }

  override async destroy(): Promise<void> {
    try {
      if (this.isInitialized) await super.destroy();
    } finally {
      await this.database.close();
    }
  }
}

/** A standalone DataSource (scripts, test setup), initialized: the same database and options the app uses. */
export async function openDataSource(config: DatabaseConfig): Promise<DataSource> {
  return new OwningDataSource(await openDatabase(config)).initialize();
}
