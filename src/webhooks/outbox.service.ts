import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { sqlRows } from '../database/sql';
import type { NewEvent } from './event-types';
import { EMIT } from './webhooks.queries';

/**
 * The outbox writer for changes made in a transaction (PATCH, archive, convert, …): `emit` writes the events,
 * and their deliveries to every endpoint enabled and subscribed now, with the caller's EntityManager, so they
 * commit with the change or not at all. One statement, whatever the number of events. (The one-statement lead
 * insert writes its events through `outboxCtes` instead.)
 */
@Injectable()
export class OutboxService {
  /** Resolves to the events' ids (`evt_…`), in the order given. */
  async emit(manager: EntityManager, accountId: string, events: NewEvent[]): Promise<string[]> {
    if (events.length === 0) return [];
    const rows = await sqlRows(manager, EMIT, { accountId, events: JSON.stringify(events) });
    return rows.map((r) => r.public_id);
  }
}
