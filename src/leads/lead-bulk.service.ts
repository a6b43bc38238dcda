import { HttpException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parse, type CsvError } from 'csv-parse';
import { Readable } from 'node:stream';
import pLimit from 'p-limit';
import { DataSource } from 'typeorm';
import type { AccountContext } from '../common/account-context';
import { DomainError } from '../common/errors/domain-error';
import { sqlState } from '../common/filters/database-errors';
import { ValidationException } from '../common/http/validation.exception';
import { RotationErrors } from '../rotations/rotations.errors';
import { runBatchTransaction } from './bulk-assignment';
import type { BulkFailedDto, BulkResultDto, BulkCreatedDto } from './dto/bulk-leads.dto';
import type { IdempotentRequest } from './idempotency';
import { IdempotencyService, type StoredResponse } from './idempotency.service';
import { INPUT_COLUMNS, type InputField } from './lead-columns';
import { LeadBatchService, MAX_BATCH_LEADS, toLeadInput, type BatchItem, type BatchOptions, type BatchOutcome } from './lead-batch.service';
import { ImportErrors } from './leads.errors';

/** The result of POST /leads/bulk, and whether it is a stored answer again. */
export interface BulkCreateResult extends StoredResponse<BulkResultDto> {
  replayed: boolean;
}

/** The columns a CSV may have: LeadInput's field names. */
const CSV_FIELDS = new Set<string>(INPUT_COLUMNS.map(([field]) => field));
const INTEGER_FIELDS = new Set<InputField>(['teamId', 'leadSourceId', 'numberOfEmployees', 'monthlyTransactionVolume']);
const BOOLEAN_FIELDS = new Set<InputField>(['interestedInSwitching', 'archived']);

/**
 * How many batches (bulk calls, chunks of an import) a process works on at once; the others wait their turn, in
 * arrival order, before their leads are even validated. A batch is a few hundred milliseconds of this process's
 * CPU and of the database's: two at once keep both busy (one validating while the other's statements run). More
 * only hold more batches in memory at once (the heap is small: `--max-old-space-size=160`, and garbage collection
 * grew with it) and keep each batch's rotations locked longer (behind another rotation's batch on the same CPUs), so that
 * concurrent batches of one rotation waited past the lock timeout (503) where they now wait here for their turn.
 */
export const BATCHES_AT_ONCE = 2;

/**
 * POST /leads/bulk and POST /leads/import: the leads go through LeadBatchService, in one transaction per batch
 * of at most 1000 (a bulk call is one batch; an import one per 1000 rows), BATCHES_AT_ONCE batches at a time.
 */
@Injectable()
export class LeadBulkService {
  private readonly turns = pLimit(BATCHES_AT_ONCE);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly batches: LeadBatchService,
    private readonly idempotency: IdempotencyService,
  ) {}

  /** POST /leads/bulk: one batch, all its leads in one transaction; with an Idempotency-Key, its answer is stored in it too. */
  bulk(ctx: AccountContext, leads: unknown[], options: BatchOptions, idempotency: IdempotentRequest | null): Promise<BulkCreateResult> {
    return this.bulkOf(
      ctx,
      leads.map((raw, index) => ({ index, raw })),
      options,
      idempotency,
    );
  }

  /**
   * POST /leads/import. The CSV (at most 10 MiB, already in memory) is read twice through csv-parse's streaming
   * parser, never as a whole array of rows: first only to check its shape (header of LeadInput names, every
   * quote closed, every row as wide as the header: a 400 naming the row and column, nothing created), then
   * 1000 rows at a time, each chunk one batch (one transaction) whose results are written to the answer as it
   * streams out. Memory stays bounded by one chunk whatever the number of rows.
   *
   * With an Idempotency-Key the import must fit one batch (1000 rows): it is then exactly a bulk call.
   */
  async importCsv(ctx: AccountContext, csv: Buffer, options: BatchOptions, idempotency: IdempotentRequest | null): Promise<Readable | BulkCreateResult> {
    const { header, rows } = await checkCsvShape(csv);
    if (idempotency) {
      if (rows > MAX_BATCH_LEADS) throw ImportErrors.idempotentTooLarge(MAX_BATCH_LEADS);
      const all: { index: number; raw: unknown }[] = [];
      for await (const chunk of csvChunks(csv, header)) all.push(...chunk);
      return this.bulkOf(ctx, all, options, idempotency);
    }
    const self = this;
    return Readable.from(
      (async function* () {
        let created = 0;
        let failed = 0;
        let first = true;
        yield '{"results":[';
        for await (const chunk of csvChunks(csv, header)) {
          const result = (await self.bulkOf(ctx, chunk, options, null)).body;
          created += result.created;
          failed += result.failed;
          let text = '';
          for (const item of result.results) {
            text += (first ? '' : ',') + JSON.stringify(item);
            first = false;
          }
          yield text;
        }
        yield `],"created":${created},"failed":${failed}}`;
      })(),
      { objectMode: false },
    );
  }

  /** A batch of items whose indexes are given (positions in a bulk call, an import's row numbers), in its turn. */
  private bulkOf(ctx: AccountContext, rows: { index: number; raw: unknown }[], options: BatchOptions, idempotency: IdempotentRequest | null): Promise<BulkCreateResult> {
    return this.turns(() => this.runBatch(ctx, rows, options, idempotency));
  }

  private async runBatch(ctx: AccountContext, rows: { index: number; raw: unknown }[], options: BatchOptions, idempotency: IdempotentRequest | null): Promise<BulkCreateResult> {
    const items = toItems(rows);
    try {
      return await runBatchTransaction(this.dataSource, async (m) => {
        if (idempotency) {
          const replay = await this.idempotency.claim<BulkResultDto>(m, ctx.accountId, idempotency);
          if (replay) return { ...replay, replayed: true };
        }
        const settings = await this.batches.settings(m, ctx.accountId);
        const outcomes = await this.batches.create(m, ctx, items, options, settings);
        // events (lead.created, lead.assigned) come with the insert's outbox CTEs: INSERT_LEADS.batchChecked is
        // built by the same insertLeadsSql
        const answer: StoredResponse<BulkResultDto> = { status: 200, body: toBulkResult(outcomes) };
        if (idempotency) await this.idempotency.complete(m, ctx.accountId, idempotency, answer);
        return { ...answer, replayed: false };
      });
    } catch (error) {
      if (sqlState(error) === LOCK_NOT_AVAILABLE) throw RotationErrors.busy();
      throw error;
    }
  }
}

/** SQLSTATE of a lock wait that ran past `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';

function toItems(rows: { index: number; raw: unknown }[]): BatchItem[] {
  return rows.map(({ index, raw }): BatchItem => {
    const input = toLeadInput(raw);
    return input instanceof ValidationException ? { index, refused: input } : { index, input };
  });
}

/** The answer of a batch: counts, and each lead's result in order. */
export function toBulkResult(outcomes: BatchOutcome[]): BulkResultDto {
  let created = 0;
  const results = outcomes.map((outcome): BulkCreatedDto | BulkFailedDto => {
    if ('lead' in outcome) {
      created++;
      return { index: outcome.index, status: 201, lead: outcome.lead };
    }
    const [status, body] = errorAnswer(outcome.error);
    return { index: outcome.index, status, ...body };
  });
  return { created, failed: outcomes.length - created, results };
}

function errorAnswer(error: Error): [number, Omit<BulkFailedDto, 'index' | 'status'>] {
  if (error instanceof DomainError) return [error.httpStatus, error.toResponseBody()];
  if (error instanceof ValidationException) return [400, { error: 'Request validation failed', details: error.details }];
  if (error instanceof HttpException) return [error.getStatus(), { error: error.message }];
  throw error;
}

/** The CSV's header (checked) and number of data rows; a 400 naming the row and column for a CSV of the wrong shape. */
async function checkCsvShape(csv: Buffer): Promise<{ header: string[]; rows: number }> {
  // the header alone first: its problems are named as the header's, and the rows' problems by its names
  let header: string[] | null = null;
  try {
    for await (const record of slices(csv).pipe(parse({ bom: true, to: 1 })) as AsyncIterable<string[]>) header = record;
  } catch (error) {
    throw csvShapeError(error as CsvError, null);
  }
  if (header === null) throw ImportErrors.noHeader();
  checkHeader(header);
  let records = 0;
  try {
    // only counted: the records are not kept
    for await (const _record of slices(csv).pipe(parse({ bom: true })) as AsyncIterable<string[]>) records++;
  } catch (error) {
    throw csvShapeError(error as CsvError, header);
  }
  return { header, rows: records - 1 };
}

function checkHeader(record: string[]): string[] {
  const seen = new Set<string>();
  record.forEach((name, i) => {
    if (!CSV_FIELDS.has(name)) throw ImportErrors.unknownColumn(i + 1, name);
    if (seen.has(name)) throw ImportErrors.repeatedColumn(i + 1, name);
    seen.add(name);
  });
  for (const required of ['firstName', 'lastName']) if (!seen.has(required)) throw ImportErrors.missingColumn(required);
  return record;
}

/** csv-parse's error as the contract's 400: the data row (1-based; 0 is the header) and the column (1-based). */
function csvShapeError(error: CsvError, header: string[] | null): Error {
  if (error instanceof DomainError || typeof (error as { code?: unknown }).code !== 'string') return error;
  const e = error as CsvError & { records?: number; column?: number };
  // `records` counts the records read before the faulty one, the header included: the faulty data row's number
  const row = header === null ? 0 : Math.max(1, e.records ?? 1);
  let column: number | null = null;
  let what = 'cannot be read';
  if (e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && header && typeof e.column === 'number') {
    // too wide: the first column past the header; too narrow: the first missing one
    column = e.column > header.length ? header.length + 1 : e.column + 1;
    what = `has ${e.column} columns where the header has ${header.length}`;
  } else if (e.code === 'CSV_QUOTE_NOT_CLOSED' || e.code === 'CSV_INVALID_CLOSING_QUOTE' || e.code === 'INVALID_OPENING_QUOTE') {
    column = typeof e.column === 'number' ? e.column + 1 : null;
    what = e.code === 'CSV_QUOTE_NOT_CLOSED' ? 'has a quote that is never closed' : 'has a misplaced quote';
  }
  const name = column !== null && header && column <= header.length ? ` ("${header[column - 1]}")` : '';
  return ImportErrors.badCsv(row, column, name, what, e.message);
}

/** The data rows as raw LeadInputs (empty cells absent, numbers and booleans read as such), 1000 at a time. */
async function* csvChunks(csv: Buffer, header: string[]): AsyncGenerator<{ index: number; raw: unknown }[]> {
  let chunk: { index: number; raw: unknown }[] = [];
  let row = -1;
  for await (const record of slices(csv).pipe(parse({ bom: true })) as AsyncIterable<string[]>) {
    if (++row === 0) continue;
    const raw: Record<string, unknown> = {};
    record.forEach((cell, i) => {
      if (cell === '') return;
      const field = header[i] as InputField;
      if (INTEGER_FIELDS.has(field) && /^-?\d+$/.test(cell)) raw[field] = Number(cell);
      else if (BOOLEAN_FIELDS.has(field) && (cell === 'true' || cell === 'false')) raw[field] = cell === 'true';
      else raw[field] = cell;
    });
    chunk.push({ index: row, raw });
    if (chunk.length === MAX_BATCH_LEADS) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** How much of the CSV the parser gets at once: it parses a whole chunk before backpressure can pause it. */
const SLICE_BYTES = 64 * 1024;

/** The CSV's bytes as a stream of slices (views, not copies), so the parser holds at most a slice's records. */
function slices(csv: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < csv.length; at += SLICE_BYTES) yield csv.subarray(at, at + SLICE_BYTES);
    })(),
    { objectMode: false },
  );
}
