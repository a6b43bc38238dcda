import { BadRequestException, ConflictException, ForbiddenException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';

/** The user-facing sentences of the leads routes (API.md section 7), in one place. */
export const LeadErrors = {
  // Rules 1-5, in the order they are checked; the wording is the contract's.
  teamRequired: () => new BadRequestException('team ID is required when teams exist in the account'),
  teamNotFound: () => new BadRequestException('team not found'),
  leadSourceRequired: () => new BadRequestException('lead source ID is required when the team has lead sources'),
  leadSourceNotFound: () => new BadRequestException('lead source not found'),
  assigneeNotActiveMember: () => new BadRequestException('assignedTo must be an active member of the account'),

  archiveNotAllowed: () => new ForbiddenException('Your role does not allow creating an archived lead'),
  archiveChangeNotAllowed: () => new ForbiddenException('Your role does not allow archiving or unarchiving a lead'),

  // A lead of another account is not found either: the answer must not tell whether it exists.
  notFound: () => new NotFoundException('lead not found'),
  alreadyConverted: (applicationId: string) =>
    new ConflictException(`lead is already converted (applicationId "${applicationId}")`),
  /** The statement that wrote the lead may have committed (connection lost, or an unexpected answer): never retried blindly. */
  outcomeUnknown: () =>
    new ServiceUnavailableException('The lead may or may not have been created (the database connection was lost); look for it before creating it again'),
};

/** GET /leads: filters and cursor that cannot be read. */
export const LeadListErrors = {
  // CursorCodec's own sentence, for a cursor that is signed but not one this list makes
  invalidCursor: () => new BadRequestException('cursor is invalid; pass a nextCursor returned by this list'),
  createdRangeInverted: () => new BadRequestException('createdFrom must not be after createdTo'),
};

/** The Idempotency-Key header's sentences. */
export const IdempotencyErrors = {
  badKey: () => new BadRequestException('Idempotency-Key must be 1 to 255 characters'),
  reusedWithDifferentRequest: () =>
    new ConflictException('Idempotency-Key was already used with a different request; use a new key for a new request'),
  stillRunning: () =>
    new ConflictException('A request with this Idempotency-Key is still being processed; retry it shortly'),
};
