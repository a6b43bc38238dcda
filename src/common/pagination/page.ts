import type { CursorCodec, CursorValue } from './cursor-codec';

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * Builds a page from rows fetched with `LIMIT limit + 1`: the extra row only says whether there is more,
 * and the cursor is the sort key of the last row returned.
 */
export function toPage<R, T>(rows: R[], limit: number, codec: CursorCodec, scope: string, key: (row: R) => CursorValue[], map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { data: kept.map(map), nextCursor: more ? codec.encode(scope, key(kept[kept.length - 1])) : null };
}
