import type { DataSource } from 'typeorm';
import { insertLeads, UnexpectedInsertResult, type LeadToInsert } from './lead-insert';
import { INPUT_COLUMNS, type LeadValues } from './lead-columns';
import type { InsertedLeadRow } from './leads.queries';

/** A DataSource whose one connection answers every statement with `rows`. */
function answering(rows: Partial<InsertedLeadRow>[]): DataSource {
  return { options: {}, driver: { master: { query: async () => ({ rows, rowCount: rows.length }) } } } as unknown as DataSource;
}

const values = Object.fromEntries(INPUT_COLUMNS.map(([field]) => [field, null])) as LeadValues;
const lead: LeadToInsert = { values: { ...values, firstName: 'Ada', lastName: 'Lovelace', archived: false, createdBy: 'a@x.test' }, actor: { user: 'a@x.test', apiKeyId: null } };
const row = (ord: number, id: number): Partial<InsertedLeadRow> => ({
  ord,
  id,
  account_id: '1',
  first_name: 'Ada',
  last_name: 'Lovelace',
  archived: false,
  created_by: 'a@x.test',
  created_at: new Date(),
  updated_at: new Date(),
  entry: { id: String(id), account_id: '1', event: 'lead_created', entity_type: 'lead', entity_id: String(id), user_email: 'a@x.test', data: {}, created_at: new Date().toISOString() } as InsertedLeadRow['entry'],
});

describe('insertLeads: what the one statement answered', () => {
  const guard = { teamId: 7, leadSourceId: null, skip: false, assignee: null, candidatesText: '[]', country: 'US', policy: 'allow', rejectDuplicates: false };
  const plan = { rotationId: 1, membersVersion: 0, users: ['a@x.test'], schedule: [0], skipped: [], fallbackFromTeamRotationId: null, firstTouchSeconds: null };

  it('no row: nothing was written (a rule failed or the rotation changed)', async () => {
    await expect(insertLeads(answering([]), '1', [lead, lead], plan, guard, '1s')).resolves.toBeNull();
  });

  it('every lead its row: the leads in input order, whatever order the rows came in', async () => {
    const created = await insertLeads(answering([row(1, 11), row(0, 10)]), '1', [lead, lead], plan, guard, '1s');
    expect(created!.map((l) => l.id)).toEqual([10, 11]);
  });

  it('a lone lead (checked, no rotation): its row; two rows for it are not understood', async () => {
    expect((await insertLeads(answering([row(0, 10)]), '1', [lead], null, null, '1s'))!.map((l) => l.id)).toEqual([10]);
    await expect(insertLeads(answering([row(0, 10), row(0, 11)]), '1', [lead], null, null, '1s')).rejects.toBeInstanceOf(UnexpectedInsertResult);
  });

  it('a batch is always guarded and through a rotation (only leads of a busy team are batched)', async () => {
    await expect(insertLeads(answering([]), '1', [lead, lead], null, guard, '1s')).rejects.toThrow(/always guarded/);
  });

  it.each([
    ['fewer rows than leads', [row(0, 10)]],
    ['more rows than leads', [row(0, 10), row(1, 11), row(2, 12)]],
    ['two rows for one lead', [row(0, 10), row(0, 11)]],
    ['a row for no lead of the input', [row(0, 10), row(5, 11)]],
  ])('%s: UnexpectedInsertResult (what committed is not known; never retried blindly)', async (_case, rows) => {
    await expect(insertLeads(answering(rows), '1', [lead, lead], plan, guard, '1s')).rejects.toBeInstanceOf(UnexpectedInsertResult);
  });
});
