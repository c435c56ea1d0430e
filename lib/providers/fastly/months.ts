/** Fastly bills calendar months in UTC: the month arithmetic its endpoints and dates need. */
import type { SpendLine } from '../../spend/index.ts';
import { pad } from '../../time/zoned.ts';

/** /usage-metrics answers at most three months per call (Fastly API docs). */
const USAGE_MONTHS_PER_CALL = 3;

/** "2026-07": the UTC month of an instant. */
export function utcMonth(at: Date): string {
  return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}`;
}

/** Midnight UTC on the 1st of the instant's month. */
export function monthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

export function nextMonthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}

/** Months counted from year 0, so ranges are plain integer arithmetic. */
export function monthIndex(month: string): number {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const number = Number(match?.[2]);
  if (!match || number < 1 || number > 12) throw new RangeError(`"${month}" is not a month like 2026-07`);
  return Number(match[1]) * 12 + number - 1;
}

export function monthName(index: number): string {
  return `${pad(Math.floor(index / 12), 4)}-${pad((index % 12) + 1)}`;
}

/** "2026-07-31": the last day of a month index. */
export function lastDayOf(index: number): string {
  const day = new Date(Date.UTC(Math.floor(index / 12), (index % 12) + 1, 0)).getUTCDate();
  return `${monthName(index)}-${pad(day)}`;
}

/**
 * Fastly's billing_end_date names the cycle's last day at midnight ("2026-07-31T00:00:00Z" ends July),
 * so the exclusive end is the next midnight UTC. An end already at midnight on a 1st is exclusive as
 * written (a whole month the other way round) and kept, rather than stretched by a day.
 */
export function exclusiveBillingEnd(end: Date): Date {
  const dayStart = Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate());
  if (dayStart === end.getTime() && end.getUTCDate() === 1) return end;
  return new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate() + 1));
}

/** Splits an inclusive "YYYY-MM" range into the ≤3-month ranges /usage-metrics accepts. */
export function splitMonthRange(
  startMonth: string,
  endMonth: string,
  monthsPerCall = USAGE_MONTHS_PER_CALL,
): { start_month: string; end_month: string }[] {
  const first = monthIndex(startMonth);
  const last = monthIndex(endMonth);
  if (last < first) throw new RangeError(`end month ${endMonth} is before start month ${startMonth}`);
  const ranges: { start_month: string; end_month: string }[] = [];
  for (let from = first; from <= last; from += monthsPerCall) {
    ranges.push({
      start_month: monthName(from),
      end_month: monthName(Math.min(from + monthsPerCall - 1, last)),
    });
  }
  return ranges;
}

/** A "YYYY-MM" month as a half-open UTC charge period; nothing for a month written otherwise. */
export function chargeMonth(
  month: string | undefined,
): Pick<SpendLine, 'ChargePeriodStart' | 'ChargePeriodEnd'> {
  const start = new Date(`${month}-01T00:00:00Z`);
  if (!/^\d{4}-\d{2}$/.test(month ?? '') || Number.isNaN(start.getTime())) return {};
  return { ChargePeriodStart: start, ChargePeriodEnd: nextMonthStart(start) };
}
