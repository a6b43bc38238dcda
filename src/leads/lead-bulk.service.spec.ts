import type { DataSource, EntityManager } from 'typeorm';
import type { AccountContext } from '../common/account-context';
import type { LeadDto } from './dto/lead.dto';
import type { IdempotencyService } from './idempotency.service';
import type { BatchItem, BatchOutcome, LeadBatchService } from './lead-batch.service';
import { BATCHES_AT_ONCE, LeadBulkService } from './lead-bulk.service';

describe('LeadBulkService: batches take turns', () => {
  it(`works on at most ${BATCHES_AT_ONCE} batches at once, the others start in arrival order, every call answered`, async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const batches = {
      settings: async () => ({ country: 'US', policy: 'allow' }),
      create: async (_m: EntityManager, _ctx: AccountContext, items: readonly BatchItem[]): Promise<BatchOutcome[]> => {
        started.push(items.length);
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
        return items.map((item) => ({ index: item.index, lead: { id: item.index } as LeadDto }));
      },
    } as unknown as LeadBatchService;
    const dataSource = { transaction: (work: (m: EntityManager) => Promise<unknown>) => work({} as EntityManager) } as unknown as DataSource;
    const service = new LeadBulkService(dataSource, batches, {} as IdempotencyService);
    const ctx = { accountId: '1', user: 'ada@example.com', role: 'owner' } as AccountContext;
    const lead = { firstName: 'Ada', lastName: 'Lovelace' };

    const calls = Array.from({ length: 6 }, (_, n) => service.bulk(ctx, Array.from({ length: n + 1 }, () => lead), { skipTeamAndSourceRequirement: true }, null));
    const answers = await Promise.all(calls);

    expect(most).toBe(BATCHES_AT_ONCE);
    // call n has n + 1 leads: batches started in the calls' order
    expect(started).toEqual([1, 2, 3, 4, 5, 6]);
    expect(answers.map((a) => a.body.created)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
