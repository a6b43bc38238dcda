// Runs or reverts migrations against the configured database (the same one `npm start` uses).
//   npm run migration:run | npm run migration:revert
import 'reflect-metadata';
import { loadConfig } from '../src/config/config.module';
import { loadDotEnv } from '../src/config/dotenv';
import { describeDatabase } from '../src/database/data-source-options';
import { openDataSource } from '../src/database/open-data-source';
import { runMigrationsLocked } from '../src/database/migration-runner';

async function main(): Promise<void> {
  const command = process.argv[2];
  if (command !== 'run' && command !== 'revert') throw new Error('usage: migrate.ts run|revert');
  loadDotEnv(); // as the server does: the same database
  const config = loadConfig();
  console.log(`Using ${describeDatabase(config.database)}`);
  const dataSource = await openDataSource(config.database);
  try {
    if (command === 'run') {
      const applied = await runMigrationsLocked(dataSource);
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations');
    } else {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('Reverted the last migration');
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
