/** Calendar arithmetic in an IANA time zone using only Intl (no tz database shipped in the bundle). */
import { cachedFormat } from '../intl/formats.ts';

export interface LocalDateTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  return cachedFormat(
    `zoned parts ${timeZone}`,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
  );
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Wall-clock fields seen so far, by zone and instant. Intl's formatToParts costs microseconds a call and
 * a check asks for the same few instants (period starts, day bounds) once per account and per day of
 * its series; the figures are the same every time, so they are kept, up to a bound.
 */
const locals = new Map<string, Readonly<LocalDateTime>>();
const LOCALS_KEPT = 20_000;

/** Wall-clock fields of `instant` as seen in `timeZone`. */
export function toLocal(instant: Date, timeZone: string): Readonly<LocalDateTime> {
  const key = `${timeZone} ${instant.getTime()}`;
  let local = locals.get(key);
  if (!local) {
    if (locals.size >= LOCALS_KEPT) locals.clear();
    local = Object.freeze(wallClockOf(instant, timeZone));
    locals.set(key, local);
  }
  return local;
}

function wallClockOf(instant: Date, timeZone: string): LocalDateTime {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year!,
    month: fields.month!,
    day: fields.day!,
    hour: fields.hour!,
    minute: fields.minute!,
    second: fields.second!,
  };
}

/** How far the wall clock in `timeZone` is ahead of UTC at `instant`, in milliseconds (whole seconds). */
export function offsetMs(instant: Date, timeZone: string): number {
  const local = toLocal(instant, timeZone);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

const DAY_MS = 86_400_000;

/**
 * The instant at which the wall clock in `timeZone` shows `local`. In a DST gap the wall time does
 * not exist and is shifted forward by the gap length (Temporal's "compatible" rule); in an overlap the
 * earlier instant wins.
 */
export function fromLocal(
  local: Partial<LocalDateTime> & Pick<LocalDateTime, 'year' | 'month' | 'day'>,
  timeZone: string,
): Date {
  const wall = Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour ?? 0,
    local.minute ?? 0,
    local.second ?? 0,
  );
  // The zone's offsets a day before and after: the instant sought is `wall` minus one of them (offsets
  // stay within ±14 h, and zones change offset at most once in two days).
  const before = offsetMs(new Date(wall - DAY_MS), timeZone);
  const after = offsetMs(new Date(wall + DAY_MS), timeZone);
  const instants = [wall - before, wall - after].filter(
    (instant) => offsetMs(new Date(instant), timeZone) === wall - instant,
  );
  // None in a gap: read the wall time with the offset in force before it, which lands past the gap.
  return new Date(instants.length > 0 ? Math.min(...instants) : wall - before);
}

/** Days in a calendar month (month 1-12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The instants a local date ("2026-11-23") starts and ends at in `timeZone`: [start, end). */
export function localDayBounds(date: string, timeZone: string): { start: Date; end: Date } {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return {
    start: fromLocal({ year, month, day }, timeZone),
    // Day 32 and the like roll over into the next month (Date.UTC does).
    end: fromLocal({ year, month, day: day + 1 }, timeZone),
  };
}

/** "2026-11-23" for the local date of `instant` in `timeZone`. */
export function localDateKey(instant: Date, timeZone: string): string {
  const { year, month, day } = toLocal(instant, timeZone);
  return `${year}-${pad(month)}-${pad(day)}`;
}

export function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}
