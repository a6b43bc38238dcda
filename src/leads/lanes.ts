interface Waiter<T, R> {
  item: T;
  resolve(result: R | null): void;
}

interface Lane<T, R> {
  waiting: Waiter<T, R>[];
}

/**
 * Per-key lanes that turn contention into batches. The first item of an idle lane runs alone at once (no
 * added latency); items that arrive while the lane is busy wait, and when it frees up, up to `maxBatch` of
 * them run together through `many`. A batch that fails (null, or an error) gives null to each of its items,
 * which the caller then handles one by one; an error of a lone item is the caller's own.
 */
export class Lanes<T, R> {
  private readonly lanes = new Map<string, Lane<T, R>>();

  constructor(private readonly maxBatch: number) {}

  async run(key: string, item: T, one: () => Promise<R | null>, many: (items: T[]) => Promise<R[] | null>): Promise<R | null> {
    const busy = this.lanes.get(key);
    if (busy) return new Promise<R | null>((resolve) => busy.waiting.push({ item, resolve }));
    const lane: Lane<T, R> = { waiting: [] };
    this.lanes.set(key, lane);
    try {
      return await one();
    } finally {
      void this.drain(key, lane, many);
    }
  }

  private async drain(key: string, lane: Lane<T, R>, many: (items: T[]) => Promise<R[] | null>): Promise<void> {
    while (lane.waiting.length > 0) {
      const batch = lane.waiting.splice(0, this.maxBatch);
      const results = await many(batch.map((w) => w.item)).catch(() => null);
      batch.forEach((w, i) => w.resolve(results?.[i] ?? null));
    }
    this.lanes.delete(key);
  }
}
