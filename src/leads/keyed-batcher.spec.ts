import { KeyedBatcher } from './keyed-batcher';

/** A promise a test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('KeyedBatcher', () => {
  /** One item alone that holds the key until released, then `waiting` items that queue behind it. */
  async function scenario(together: (items: number[]) => Promise<string[] | null>, waiting = 3) {
    const batcher = new KeyedBatcher<number, string>(32);
    const first = deferred<string | null>();
    const alone = jest.fn(() => first.promise);
    const calls = [batcher.run('k', 0, alone, together)];
    for (let i = 1; i <= waiting; i++) calls.push(batcher.run('k', i, () => Promise.resolve(`alone ${i}`), together));
    first.resolve('alone 0');
    return { calls: calls.map((c) => c.then((value) => ({ value }), (error: unknown) => ({ error }))), alone };
  }

  it('runs the first item alone and those that arrived meanwhile together, each getting its own answer', async () => {
    const together = jest.fn(async (items: number[]) => items.map((i) => `together ${i}`));
    const { calls } = await scenario(together);
    expect(await Promise.all(calls)).toEqual([{ value: 'alone 0' }, { value: 'together 1' }, { value: 'together 2' }, { value: 'together 3' }]);
    expect(together).toHaveBeenCalledWith([1, 2, 3]);
  });

  it('null from the batch is null for each item (nothing was done: each caller handles its own)', async () => {
    const { calls } = await scenario(async () => null);
    expect((await Promise.all(calls)).slice(1)).toEqual([{ value: null }, { value: null }, { value: null }]);
  });

  it("an error of the batch is each item's error, never turned into a silent null that a caller would retry", async () => {
    const lost = new Error('Connection terminated unexpectedly');
    const { calls } = await scenario(async () => Promise.reject(lost));
    expect((await Promise.all(calls)).slice(1)).toEqual([{ error: lost }, { error: lost }, { error: lost }]);
  });

  it('other keys do not wait', async () => {
    const batcher = new KeyedBatcher<number, string>(32);
    const held = deferred<string | null>();
    void batcher.run('a', 0, () => held.promise, async () => null);
    await expect(batcher.run('b', 1, async () => 'b alone', async () => null)).resolves.toBe('b alone');
    held.resolve(null);
  });
});
