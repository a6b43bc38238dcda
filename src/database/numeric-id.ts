import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EventSubscriber, type EntitySubscriberInterface, type InsertEvent, type ValueTransformer } from 'typeorm';

/**
 * A bigint id as the API shows it: a JSON integer. node-postgres returns int8 as a string (it may exceed 2^53);
 * Lead Desk's ids come from identity sequences and stay far below that, so they are read back as numbers.
 * Entities use it as a column transformer; raw rows go through `numericId`.
 */
export const NUMERIC_ID: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
};

/** A bigint id column of a raw row as a number (null stays null). */
export function numericId<T extends string | number | null | undefined>(value: T): T extends string | number ? number : T {
  return (value === null || value === undefined ? value : Number(value)) as T extends string | number ? number : T;
}

/**
 * TypeORM merges the ids an INSERT generated into the entity without its column transformer (PostgresDriver
 * createGeneratedMap), so a bigint id would read as a string right after `insert`: this puts NUMERIC_ID
 * columns back to numbers once the insert is done. Registered on the DataSource Lead Desk uses (its own or a
 * host's) by DatabaseServicesModule.
 */
@Injectable()
@EventSubscriber()
export class NumericIdSubscriber implements EntitySubscriberInterface {
  constructor(@InjectDataSource() dataSource: DataSource) {
    if (!dataSource.subscribers.some((s) => s instanceof NumericIdSubscriber)) dataSource.subscribers.push(this);
  }

  afterInsert(event: InsertEvent<Record<string, unknown>>): void {
    const entity = event.entity;
    if (!entity || typeof entity !== 'object') return;
    for (const column of event.metadata.columns) {
      if (column.transformer !== NUMERIC_ID) continue;
      const value = column.getEntityValue(entity);
      if (typeof value === 'string') column.setEntityValue(entity, Number(value));
    }
  }
}
