import { bodyProblem, MAX_BODY_DEPTH, mayHoldLoneSurrogate } from './body-shape';

describe('bodyProblem: bounded and linear', () => {
  it('a 500k-element array is refused at once, without visiting its elements', () => {
    const value = JSON.parse(`{"x":[${new Array(500_000).fill('0').join(',')}]}`);
    const started = process.hrtime.bigint();
    expect(bodyProblem(value)).toBe('Request body holds more than 100000 values');
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(100);
  });

  it.each([
    ['257 keys', Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`k${i}`, 1])), 'Request body has an object with more than 256 keys'],
    ['256 keys', Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`k${i}`, 1])), null],
    ['too deep', JSON.parse(`${'['.repeat(MAX_BODY_DEPTH + 1)}${']'.repeat(MAX_BODY_DEPTH + 1)}`), `Request body is nested more than ${MAX_BODY_DEPTH} levels deep`],
    ['a lone high surrogate in a value', { a: ['ok', 'x\ud83d'] }, 'Request body contains text that is not valid Unicode (a lone surrogate)'],
    ['a lone low surrogate in a key', { ['\ude00k']: 1 }, 'Request body contains text that is not valid Unicode (a lone surrogate)'],
    ['a surrogate pair', { a: 'smile \ud83d\ude00' }, null],
    ['100k small values in objects', { a: Array.from({ length: 30_000 }, () => ({ b: 1, c: 2 })) }, null],
  ])('%s', (_label, value, problem) => {
    expect(bodyProblem(value)).toBe(problem);
  });

  it('strings are scanned only when the JSON text has a surrogate escape', () => {
    expect(mayHoldLoneSurrogate('{"a":"\\ud83d"}')).toBe(true);
    expect(mayHoldLoneSurrogate('{"a":"\\u00e9 \\u0041"}')).toBe(false);
  });
});
