import { normalizeEmail } from './email';

describe('normalizeEmail: an identity never changes into another', () => {
  it.each([
    [' Kate@A.Test ', 'kate@a.test'],
    ['kate@a.test', 'kate@a.test'],
    ['\u00e9lise@a.test', '\u00e9lise@a.test'],
    ['\u212Aate@a.test', null], // KELVIN SIGN: toLowerCase gives "kate@a.test"
    ['\u0130van@a.test', null], // capital I with dot above: "i" + U+0307
    ['\u017Fam@a.test', null], // long s: upper-cases to "S"
    ['\uFF4Bate@a.test', null], // fullwidth k: NFKC gives "k"
    ['\u00C9lise@a.test', null], // a capital outside ASCII
    ['kate@\u212A.test', null],
  ])('%s → %s', (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });

  it('never returns a value whose toLowerCase differs from it', () => {
    for (let code = 0x80; code < 0x10000; code++) {
      const out = normalizeEmail(`a${String.fromCharCode(code)}@b.test`);
      if (out !== null) expect(out.toLowerCase()).toBe(out);
    }
  });
});
