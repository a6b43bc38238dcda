import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { postgresOptions } from './data-source-options';

/** A standalone DataSource (scripts, test setup): the same options the app uses. */
export async function openDataSource(config: DatabaseConfig): Promise<DataSource> {
  return new DataSource(postgresOptions(config)).initialize();
}
