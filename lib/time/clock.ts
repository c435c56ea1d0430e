import * as z from 'zod';

/** The one way code asks "what time is it", so tests and `--now` can replay any moment. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock {
  const instant = typeof at === 'string' ? parseInstant(at) : at;
  if (Number.isNaN(instant.getTime())) throw new RangeError(`"${String(at)}" is not an instant`);
  return { now: () => new Date(instant) };
}

// A date-time with its zone, or a date (midnight UTC). Zod's formats check the calendar too, so a day
// that does not exist (2031-02-29) is refused rather than rolled over into the next month as Date does.
const INSTANT = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/** An ISO 8601 instant as written on a command line or in a test; throws a RangeError naming the form. */
function parseInstant(text: string): Date {
  if (!INSTANT.safeParse(text).success)
    throw new RangeError(
      `"${text}" is not an ISO 8601 date-time with a zone that exists (e.g. 2026-11-23T12:00:00Z, 2026-11-23T21:00:00+09:00) or a date (2026-11-23)`,
    );
  return new Date(text);
}
