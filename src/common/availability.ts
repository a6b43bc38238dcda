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

export const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A local calendar day of a zone: its instants [start, end), its date, ISO weekday (1 = Monday) and the Monday of its ISO week. */
export interface LocalDay {
  start: number;
  end: number;
  date: string;
  weekday: number;
  weekStart: string;
}

/**
 * Caps ask the same question many times a second (which local day and ISO week is it in this zone?), so each
 * zone's current day is kept until `at` leaves it: Luxon is asked once per zone and day, not once per lead.
 * Bounded: a process serving more zones than this only asks Luxon more often.
 */
const CACHE_LIMIT = 1000;
const days = new Map<string, LocalDay>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** The local calendar day of `zone` that holds instant `at` (epoch ms), through Luxon. */
export function localDay(zone: string, at: number): LocalDay {
  const known = days.get(zone);
  if (known && at >= known.start && at < known.end) return known;
  const local = DateTime.fromMillis(at, { zone }).startOf('day');
  const day: LocalDay = {
    start: local.toMillis(),
    end: local.plus({ days: 1 }).startOf('day').toMillis(),
    date: local.toISODate()!,
    weekday: local.weekday,
    weekStart: local.startOf('week').toISODate()!,
  };
  return remember(days, zone, day);
}

/**
 * Whether `at` falls in one of the member's local working intervals (start inclusive, end exclusive): the local
 * clock (Luxon, in `zone`) shows a time of day inside one of that weekday's intervals. On DST days that is what
 * the wall clock says: 09:00-17:00 is 8 hours on both transition days.
 */
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
