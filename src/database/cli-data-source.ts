// The data source for TypeORM's CLI (`npm run migration:generate -- migrations/Name`): entities from the
// source tree, compared with the database in DATABASE_URL. Read the generated SQL before keeping it.
import 'reflect-metadata';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/config.module';
import { postgresOptions } from './data-source-options';

const config = loadConfig();
export default new DataSource({ ...postgresOptions(config.database), entities: [join(__dirname, '..', '**', '*.entity.{ts,js}')] });
