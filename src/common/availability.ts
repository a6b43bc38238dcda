import { DateTime } from 'luxon';

/**
 * Members' availability (API.md section 9): working hours and away periods, read in the member's IANA time zone
 * through Luxon (never offsets computed by hand). Shared by the members' API and the routing engine.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** Local working intervals per weekday, ["HH:MM","HH:MM"] (end after start, "24:00" allowed); a missing day is off. */
export type WorkingHours = Partial<Record<Weekday, [string, string][]>>;

export interface AwayPeriod {
  /** Epoch milliseconds, inclusive */
  from: number;
  /** Epoch milliseconds, exclusive */
  until: number;
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `at` falls in one of the member's local working intervals (start inclusive, end exclusive). */
export function insideWorkingHours(hours: WorkingHours | null, zone: string, at: number): boolean {
  if (hours === null) return true;
  const local = DateTime.fromMillis(at, { zone });
  const intervals = hours[WEEKDAYS[local.weekday - 1]];
  if (!intervals) return false;
  const minute = local.hour * 60 + local.minute + (local.second * 1000 + local.millisecond) / 60_000;
  return intervals.some(([start, end]) => minute >= minutesOf(start) && minute < minutesOf(end));
}

export const isAway = (away: readonly AwayPeriod[], at: number): boolean => away.some((p) => p.from <= at && at < p.until);

/** Problems of a working-hours value (empty when valid); `field` prefixes each detail's path. */
export function workingHoursProblems(value: unknown, field: string): { field: string; message: string }[] {
  if (value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) return [{ field, message: `${field} must be null or an object of weekdays (mon..sun)` }];
  const problems: { field: string; message: string }[] = [];
  for (const [day, intervals] of Object.entries(value as Record<string, unknown>)) {
    const path = `${field}.${day}`;
    if (!(WEEKDAYS as readonly string[]).includes(day)) {
      problems.push({ field: path, message: `${day} is not a weekday (mon, tue, wed, thu, fri, sat, sun)` });
      continue;
    }
    if (!Array.isArray(intervals) || intervals.length > 4) {
      problems.push({ field: path, message: `${path} must be a list of at most 4 ["HH:MM","HH:MM"] intervals` });
      continue;
    }
    const parsed: [number, number][] = [];
    intervals.forEach((interval: unknown, i) => {
      const at = `${path}[${i}]`;
      if (!Array.isArray(interval) || interval.length !== 2 || !interval.every((t) => typeof t === 'string' && /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/.test(t))) {
        problems.push({ field: at, message: `${at} must be ["HH:MM","HH:MM"] with times 00:00..24:00` });
        return;
      }
      const [start, end] = interval.map(minutesOf);
      if (end <= start) problems.push({ field: at, message: `${at} must end after it starts` });
      else parsed.push([start, end]);
    });
    parsed.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < parsed.length; i++) {
      if (parsed[i][0] < parsed[i - 1][1]) {
        problems.push({ field: path, message: `${path} has overlapping intervals` });
        break;
      }
    }
  }
  return problems;
}
