// The data source for TypeORM's CLI (`npm run migration:generate -- migrations/Name`): every entity of the
// source tree (src/**/*.entity.ts, the same set as LEAD_DESK_ENTITIES: test/schema-drift.e2e-spec.ts checks
// both), compared with the configured database (DATABASE_URL, or PGlite in DATA_DIR, which the CLI then holds
// locked while it runs). On a database migrated to the latest it finds no changes. Read the generated SQL
// before keeping it.
import 'reflect-metadata';
import { join } from 'node:path';
import { loadConfig } from '../config/config.module';
import { openDatabase } from './data-source-options';
import { OwningDataSource } from './open-data-source';

async function cliDataSource(): Promise<OwningDataSource> {
  const database = await openDatabase(loadConfig().database);
  return new OwningDataSource({
    ...database,
    options: { ...database.options, entities: [join(__dirname, '..', '**', '*.entity.{ts,js}')] },
  });
}

// TypeORM's CLI awaits an exported promise of a DataSource.
export default cliDataSource();
