import { ApiHeader } from '@nestjs/swagger';

/**
 * Documents `x-consistency` on a route that may read from a streaming replica (API.md section 14): without
 * it the answer may come from a replica at most READ_MAX_LAG_MS behind; `strong` reads from the primary.
 */
export const MayReadFromReplica = () =>
  ApiHeader({
    name: 'x-consistency',
    required: false,
    enum: ['strong'],
    description:
      'When replicas are configured (DATABASE_READ_URLS), this read may be answered by one at most READ_MAX_LAG_MS behind the primary. ' +
      '`strong`: read from the primary (e.g. right after a write). Any other value: as if absent.',
  });
