/**
 * How a user's email becomes the identity it stands for, in one place: trimmed, ASCII letters lower-cased,
 * nothing else changed. `String.prototype.toLowerCase` alone is not enough: it folds characters outside ASCII
 * into ASCII ones (U+212A KELVIN SIGN becomes `k`, U+0130 becomes `i` + a combining dot), so `\u212Aate@a.test`
 * would act as `kate@a.test`. An email that holds such a character, or any character that case mapping or
 * compatibility normalisation (NFKC, which PostgreSQL or a mail system might apply) turns into ASCII, is
 * refused: `null`. The callers answer 401 (a token) or 400 (input).
 */
export function normalizeEmail(raw: string): string | null {
  const email = raw.trim();
  // The common case: all ASCII, where toLowerCase is exactly the ASCII lower-casing.
  if (/^[\x00-\x7f]*$/.test(email)) return email.toLowerCase();
  for (const char of email) {
    if (char.charCodeAt(0) < 0x80) continue;
    if (foldsIntoAscii(char.toLowerCase()) || foldsIntoAscii(char.toUpperCase()) || foldsIntoAscii(char.normalize('NFKC'))) return null;
    // A non-ASCII letter with a case (É): its lower-casing is not the ASCII one, so the identity would change.
    if (char.toLowerCase() !== char) return null;
  }
  return asciiLowerCase(email);
}

/** Why `normalizeEmail` refused a value, as a validation message. */
export const EMAIL_FOLDING_MESSAGE = 'must not contain upper-case letters outside ASCII or characters that case folding turns into ASCII (such as U+212A KELVIN SIGN)';

const foldsIntoAscii = (text: string) => /[\x00-\x7f]/.test(text);

function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}
