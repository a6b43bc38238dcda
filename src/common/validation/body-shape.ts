/**
 * Bounds on the shape of a request body, checked before anything walks it (class-validator's work and its
 * answer grow with the number of keys and elements): one linear pass, iterative (no stack overflow), that
 * stops at the first problem.
 */

/** No API body nests anywhere near this deep; deeper ones would overflow the stack of the validation pipe. */
export const MAX_BODY_DEPTH = 32;
/** The most keys one object of a body may have: every DTO has a few dozen fields at most. */
export const MAX_OBJECT_KEYS = 256;
/** The most values (objects, arrays, their elements and members) one body may hold. */
export const MAX_BODY_NODES = 100_000;

/**
 * JSON can write half of a UTF-16 surrogate pair on its own (`"\ud83d"`) only as a `\u` escape of D800-DFFF:
 * text decoded from valid UTF-8 cannot hold one. When the raw body has no such escape, strings need no scan.
 */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Whether the JSON text may hold a lone surrogate (so bodyProblem must look at its strings). */
export function mayHoldLoneSurrogate(jsonText: string): boolean {
  return SURROGATE_ESCAPE.test(jsonText);
}

/**
 * What makes a parsed body unreadable for the API, or null: nesting deeper than MAX_BODY_DEPTH, an object with
 * more than MAX_OBJECT_KEYS keys, more than MAX_BODY_NODES values, or (when `checkStrings`) text that is not
 * valid Unicode (a lone surrogate: the validators throw on it, and PostgreSQL would store U+FFFD instead).
 * Each value is visited once; array elements by index, never as keys.
 */
export function bodyProblem(value: unknown, checkStrings = true): string | null {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  let nodes = 1;
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v === 'string') {
      if (checkStrings && hasLoneSurrogate(v)) return LONE_SURROGATE_PROBLEM;
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_BODY_DEPTH) return `Request body is nested more than ${MAX_BODY_DEPTH} levels deep`;
    if (Array.isArray(v)) {
      nodes += v.length;
      if (nodes > MAX_BODY_NODES) return TOO_MANY_NODES;
      for (let i = 0; i < v.length; i++) {
        const child: unknown = v[i];
        if ((typeof child === 'object' && child !== null) || (checkStrings && typeof child === 'string')) {
          values.push(child);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    let keys = 0;
    for (const key in v) {
      if (++keys > MAX_OBJECT_KEYS) return `Request body has an object with more than ${MAX_OBJECT_KEYS} keys`;
      if (++nodes > MAX_BODY_NODES) return TOO_MANY_NODES;
      if (checkStrings && hasLoneSurrogate(key)) return LONE_SURROGATE_PROBLEM;
      const child: unknown = (v as Record<string, unknown>)[key];
      if ((typeof child === 'object' && child !== null) || (checkStrings && typeof child === 'string')) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return null;
}

const LONE_SURROGATE_PROBLEM = 'Request body contains text that is not valid Unicode (a lone surrogate)';
const TOO_MANY_NODES = `Request body holds more than ${MAX_BODY_NODES} values`;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one; one pass over the text. */
function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c >= 0xdc00) return true; // a low surrogate here was not consumed by a high one before it
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
    i++;
  }
  return false;
}

/** Bodies the HTTP parser has already checked, so the validation pipe does not walk them again. */
const checked = new WeakSet<object>();

export function markShapeChecked(value: unknown): void {
  if (typeof value === 'object' && value !== null) checked.add(value);
}

export function isShapeChecked(value: object): boolean {
  return checked.has(value);
}
