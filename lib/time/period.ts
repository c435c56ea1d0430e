import { daysInMonth, fromLocal, localDateKey, pad, toLocal } from './zoned.ts';

/** A billing period: half-open [start, end) in instants, named by the month it starts in. */
export interface Period {
  start: Date;
  end: Date;
  /** "2026-11" for a calendar month; "2026-11-15" when the period starts on another day. */
  key: string;
  timeZone: string;
}

/**
 * The monthly period containing `at`, in `timeZone`, starting on `startDay` (1-28; a cycle anchored
 * on the 31st is clamped to the month's last day, as billing systems do).
 */
export function monthlyPeriod(at: Date, timeZone: string, startDay = 1): Period {
  const local = toLocal(at, timeZone);
  let year = local.year;
  let month = local.month;
  if (local.day < clampDay(year, month, startDay)) {
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
  }
  const nextYear = month === 12 ? year + 1 : year;
  const nextMonth = month === 12 ? 1 : month + 1;
  const startDate = clampDay(year, month, startDay);
  return {
    start: fromLocal({ year, month, day: startDate }, timeZone),
    end: fromLocal(
      { year: nextYear, month: nextMonth, day: clampDay(nextYear, nextMonth, startDay) },
      timeZone,
    ),
    key: startDay === 1 ? `${year}-${pad(month)}` : `${year}-${pad(month)}-${pad(startDate)}`,
    timeZone,
  };
}

function clampDay(year: number, month: number, day: number): number {
  return Math.min(day, daysInMonth(year, month));
}

/** Fraction of the period elapsed at `at`, clamped to [0, 1]. */
export function elapsedFraction(period: Period, at: Date): number {
  const total = period.end.getTime() - period.start.getTime();
  const done = at.getTime() - period.start.getTime();
  return Math.min(1, Math.max(0, done / total));
}

/** Whole local days in the period (28-31 for months, DST-safe). */
export function periodDays(period: Period): number {
  return Math.round((period.end.getTime() - period.start.getTime()) / 86_400_000);
}

/** "yyyyMM" of the period's first local day, the month key Soracom's API uses. */
export function yyyymm(period: Period): string {
  const { year, month } = toLocal(period.start, period.timeZone);
  return `${year}${pad(month)}`;
}

/** "2026-11" for a period starting on the 1st, "2026-11-15" for a cycle anchored on another day. */
export function periodKey(start: Date, timeZone: string): string {
  const { day } = toLocal(start, timeZone);
  const date = localDateKey(start, timeZone);
  return day === 1 ? date.slice(0, 7) : date;
}
