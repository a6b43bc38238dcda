import fc from 'fast-check';
import { loadConfig } from '../../config/config.module';
import { CursorCodec } from './cursor-codec';

describe('CursorCodec', () => {
  const codec = new CursorCodec(loadConfig({ JWT_SECRET: 'cursor-test-secret-0123456789' }));

  it('round-trips any sort key', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.integer()), { minLength: 1, maxLength: 4 }), (values) => {
        expect(codec.decode('leads', codec.encode('leads', values), values.length)).toEqual(values);
      }),
    );
  });

  it('refuses a cursor of another list, another secret, the wrong arity, or any tampering', () => {
    const cursor = codec.encode('leads', ['2026-01-01T00:00:00.000Z', 42]);
    expect(() => codec.decode('members', cursor, 2)).toThrow('cursor is invalid');
    expect(() => codec.decode('leads', cursor, 1)).toThrow('cursor is invalid');
    const other = new CursorCodec(loadConfig({ JWT_SECRET: 'another-secret-0123456789abc' }));
    expect(() => other.decode('leads', cursor, 2)).toThrow('cursor is invalid');
    fc.assert(
      fc.property(fc.nat({ max: cursor.length - 1 }), fc.constantFrom('A', 'b', '.', '_', '-', '9'), (i, ch) => {
        const tampered = cursor.slice(0, i) + ch + cursor.slice(i + 1);
        fc.pre(tampered !== cursor);
        expect(() => codec.decode('leads', tampered, 2)).toThrow('cursor is invalid');
      }),
    );
    for (const garbage of ['', '.', 'abc', 'a.b.c', '%%%.%%%']) expect(() => codec.decode('leads', garbage, 2)).toThrow('cursor is invalid');
  });
});
