import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** What a lead is matched on (API.md section 11): each null when the lead has no such value. */
export interface MatchKeys {
  emailKey: string | null;
  phoneKey: string | null;
}

export type MatchField = 'email' | 'phone';

/** The email as matched: trimmed and lower-cased; null when absent or blank. */
export function emailKeyOf(email: unknown): string | null {
  if (typeof email !== 'string') return null;
  const key = email.trim().toLowerCase();
  return key === '' ? null : key;
}

/**
 * The phone as matched: E.164 as libphonenumber-js parses it for `country` (the account's defaultCountry) when
 * it is a possible number there; otherwise its digits alone (so `555 0100` and `555-0100` still match). Null
 * when it has no digit.
 */
export function phoneKeyOf(phone: unknown, country: string): string | null {
  if (typeof phone !== 'string') return null;
  const digits = phone.replace(/\D/g, '');
  if (digits === '') return null;
  const parsed = parsePhoneNumberFromString(phone, country as CountryCode);
  return parsed?.isPossible() ? parsed.number : digits;
}

export function matchKeysOf(values: { email?: unknown; phone?: unknown }, country: string): MatchKeys {
  return { emailKey: emailKeyOf(values.email), phoneKey: phoneKeyOf(values.phone, country) };
}
