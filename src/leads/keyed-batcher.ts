interface Waiter<T, R> {
  item: T;
  resolve(result: R | null): void;
  reject(error: unknown): void;
}

interface Queue<T, R> {
  waiting: Waiter<T, R>[];
}

/**
 * Per-key queues that turn contention into batches. The first item of an idle key runs alone at once (no
 * added latency); items that arrive while the key is busy wait (holding nothing), and when it frees up, up to
 * `maxBatch` of them run together. `together` answers each item (in order), or null for all of them (nothing
 * was done: each caller then handles its item itself); an error it throws is every waiting item's error, so a
 * failure whose outcome is unknown reaches each caller instead of being retried behind its back.
 */
export class KeyedBatcher<T, R> {
  private readonly queues = new Map<string, Queue<T, R>>();

  constructor(private readonly maxBatch: number) {}

  async run(key: string, item: T, alone: () => Promise<R | null>, together: (items: T[]) => Promise<R[] | null>): Promise<R | null> {
    const busy = this.queues.get(key);
    if (busy) return new Promise<R | null>((resolve, reject) => busy.waiting.push({ item, resolve, reject }));
    const queue: Queue<T, R> = { waiting: [] };
    this.queues.set(key, queue);
    try {
      return await alone();
    } finally {
      void this.drain(key, queue, together);
    }
  }

  private async drain(key: string, queue: Queue<T, R>, together: (items: T[]) => Promise<R[] | null>): Promise<void> {
    while (queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, this.maxBatch);
      try {
        const results = await together(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(results?.[i] ?? null));
      } catch (error) {
        batch.forEach((w) => w.reject(error));
      }
    }
    this.queues.delete(key);
  }
}
