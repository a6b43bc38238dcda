import { BadRequestException, ConflictException, ForbiddenException } from '@nestjs/common';

/** The user-facing sentences of POST /leads (API.md section 7), in one place. */
export const LeadErrors = {
  // Rules 1-5, in the order they are checked; the wording is the contract's.
  teamRequired: () => new BadRequestException('team ID is required when teams exist in the account'),
  teamNotFound: () => new BadRequestException('team not found'),
  leadSourceRequired: () => new BadRequestException('lead source ID is required when the team has lead sources'),
  leadSourceNotFound: () => new BadRequestException('lead source not found'),
  assigneeNotActiveMember: () => new BadRequestException('assignedTo must be an active member of the account'),

  archiveNotAllowed: () => new ForbiddenException('Your role does not allow creating an archived lead'),
};

/** The Idempotency-Key header's sentences. */
export const IdempotencyErrors = {
  badKey: () => new BadRequestException('Idempotency-Key must be 1 to 255 characters'),
  reusedWithDifferentRequest: () =>
    new ConflictException('Idempotency-Key was already used with a different request; use a new key for a new request'),
  stillRunning: () =>
    new ConflictException('A request with this Idempotency-Key is still being processed; retry it shortly'),
};
