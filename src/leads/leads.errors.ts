import { DomainError } from '../common/errors/domain-error';

export type LeadErrorCode =
  | 'team_required'
  | 'team_not_found'
  | 'lead_source_required'
  | 'lead_source_not_found'
  | 'assignee_not_active_member'
  | 'archive_not_allowed'
  | 'archive_change_not_allowed'
  | 'not_found'
  | 'already_converted'
  | 'touch_not_assignee'
  | 'outcome_unknown';

/** A failure of the leads feature: the lead rules (API.md section 7), access to archiving, a missing lead. */
export class LeadError extends DomainError<LeadErrorCode> {}

/** The leads routes' failures, each with its user-facing sentence, in one place. */
export const LeadErrors = {
  // Rules 1-5, in the order they are checked; the wording is the contract's.
  teamRequired: () => new LeadError('team_required', 'team ID is required when teams exist in the account', 'invalid'),
  teamNotFound: () => new LeadError('team_not_found', 'team not found', 'invalid'),
  leadSourceRequired: () => new LeadError('lead_source_required', 'lead source ID is required when the team has lead sources', 'invalid'),
  leadSourceNotFound: () => new LeadError('lead_source_not_found', 'lead source not found', 'invalid'),
  assigneeNotActiveMember: () => new LeadError('assignee_not_active_member', 'assignedTo must be an active member of the account', 'invalid'),

  archiveNotAllowed: () => new LeadError('archive_not_allowed', 'Your role does not allow creating an archived lead', 'forbidden'),
  archiveChangeNotAllowed: () => new LeadError('archive_change_not_allowed', 'Your role does not allow archiving or unarchiving a lead', 'forbidden'),

  touchNotAssignee: () => new LeadError('touch_not_assignee', 'only the lead\'s assignee can touch it', 'forbidden'),

  // A lead of another account is not found either: the answer must not tell whether it exists.
  notFound: () => new LeadError('not_found', 'lead not found', 'not_found'),
  alreadyConverted: (applicationId: string) =>
    new LeadError('already_converted', `lead is already converted (applicationId "${applicationId}")`, 'conflict'),
  /** The statement that wrote the lead may have committed (connection lost, or an unexpected answer): never retried blindly. */
  outcomeUnknown: () =>
    new LeadError(
      'outcome_unknown',
      'The lead may or may not have been created (the database connection was lost); look for it before creating it again',
      'unavailable',
    ),
};

export type LeadListErrorCode = 'invalid_cursor' | 'created_range_inverted';

/** GET /leads: filters and cursor that cannot be read. */
export class LeadListError extends DomainError<LeadListErrorCode> {}

export const LeadListErrors = {
  // CursorCodec's own sentence, for a cursor that is signed but not one this list makes
  invalidCursor: () => new LeadListError('invalid_cursor', 'cursor is invalid; pass a nextCursor returned by this list', 'invalid'),
  createdRangeInverted: () => new LeadListError('created_range_inverted', 'createdFrom must not be after createdTo', 'invalid'),
};

export type IdempotencyErrorCode = 'bad_key' | 'reused_with_different_request' | 'still_running';

/** The Idempotency-Key header's failures. */
export class IdempotencyError extends DomainError<IdempotencyErrorCode> {}

export const IdempotencyErrors = {
  badKey: () => new IdempotencyError('bad_key', 'Idempotency-Key must be 1 to 255 characters', 'invalid'),
  reusedWithDifferentRequest: () =>
    new IdempotencyError(
      'reused_with_different_request',
      'Idempotency-Key was already used with a different request; use a new key for a new request',
      'conflict',
    ),
  stillRunning: () =>
    new IdempotencyError('still_running', 'A request with this Idempotency-Key is still being processed; retry it shortly', 'conflict'),
};

/** One lead a new lead duplicates, as a 409 lists it. */
export interface DuplicateRef {
  id: number;
  matchedOn: ('email' | 'phone')[];
}

export type DuplicateErrorCode = 'duplicate' | 'merge_target_among_sources' | 'already_merged' | 'merge_source_not_found';

/** Duplicates and merge (API.md section 11). */
export class DuplicateError extends DomainError<DuplicateErrorCode> {
  /** For `duplicate`: the live leads the new one matches, newest first. */
  duplicates?: DuplicateRef[];

  override toResponseBody() {
    const body = super.toResponseBody();
    return this.duplicates ? { ...body, duplicates: this.duplicates } : body;
  }
}

export const DuplicateErrors = {
  duplicate: (duplicates: DuplicateRef[]) =>
    Object.assign(new DuplicateError('duplicate', 'a lead with the same email or phone already exists', 'conflict'), { duplicates }),
  targetAmongSources: () => new DuplicateError('merge_target_among_sources', 'the target lead cannot be one of the sources', 'conflict'),
  alreadyMerged: (id: number, into: number) =>
    new DuplicateError('already_merged', `lead ${id} was already merged into lead ${into}`, 'conflict'),
  sourceNotFound: (ids: number[]) =>
    new DuplicateError('merge_source_not_found', `source lead not found: ${ids.join(', ')}`, 'invalid', [
      { field: 'sourceIds', message: `no lead of this account has id ${ids.join(', ')}` },
    ]),
};

export type ImportErrorCode = 'bad_csv' | 'no_header' | 'unknown_column' | 'repeated_column' | 'missing_column' | 'idempotent_too_large';

/** POST /leads/import: a CSV of the wrong shape (nothing is created). */
export class ImportError extends DomainError<ImportErrorCode> {}

export const ImportErrors = {
  /** `row` 0 is the header */
  badCsv: (row: number, column: number | null, columnName: string, what: string, parser: string) => {
    const where = `${row === 0 ? 'header' : `row ${row}`}${column === null ? '' : `, column ${column}`}`;
    return new ImportError('bad_csv', `CSV ${where}${columnName} ${what}`, 'invalid', [{ field: where, message: parser }]);
  },
  noHeader: () => new ImportError('no_header', 'the CSV has no header row (LeadInput field names)', 'invalid'),
  unknownColumn: (column: number, name: string) =>
    new ImportError('unknown_column', `CSV header, column ${column}: "${name.slice(0, 100)}" is not a LeadInput field`, 'invalid', [
      { field: `header, column ${column}`, message: `"${name.slice(0, 100)}" is not a LeadInput field` },
    ]),
  repeatedColumn: (column: number, name: string) =>
    new ImportError('repeated_column', `CSV header, column ${column}: "${name}" appears twice`, 'invalid', [
      { field: `header, column ${column}`, message: `"${name}" appears twice` },
    ]),
  missingColumn: (name: string) =>
    new ImportError('missing_column', `the CSV header has no "${name}" column (it is required)`, 'invalid', [{ field: 'header', message: `"${name}" is required` }]),
  idempotentTooLarge: (max: number) =>
    new ImportError('idempotent_too_large', `an import with Idempotency-Key may hold at most ${max} rows; send larger files without one`, 'invalid'),
};
