/**
 * The `from`/`to` query dates a billing period is read with. Cloudflare documents both as dates
 * ("ISO 8601", `format: date`, charge periods are UTC days) but not whether `to` is inclusive: the Go
 * SDK's example month is 2025-02-01..2025-03-01, while FOCUS v2 defaults to "the start of the current
 * month through today" and allows at most 31 days. We read `to` as inclusive and send the period's
 * last day, because that reading is the safe one either way:
 * - a 31-day cycle is 31 days counted inclusively, so it stays within a 31-day maximum however the
 *   server counts (sending the day after would be 32 days inclusive: a 400 on the 31-day months);
 * - the next cycle's first day is never asked for; and whatever a server sends anyway is dropped, as
 *   the client keeps only records whose ChargePeriodStart falls in the period;
 * - were `to` exclusive, what is lost is the cycle's last day, and only while it is today (before, it
 *   is in the future; after, the next cycle is read).
 * From is the UTC day of the period's start, so a v1 range always includes the billing cycle's anchor
 * day ("otherwise no usage data is returned").
 */
import type { Period } from '../../time/period.ts';

export interface DateRange {
  /** "2026-11-15" */
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;

/**
 * The UTC days from the period's first to its last, in ranges of at most `maxDays` days (inclusive):
 * one range without a limit. Ranges that start after `now` are left out (nothing is rated there yet).
 */
export function usageRanges(period: Period, now: Date, maxDays?: number): DateRange[] {
  const first = utcDay(period.start);
  const last = utcDay(new Date(period.end.getTime() - 1));
  const today = utcDay(now);
  const step = maxDays === undefined ? Number.POSITIVE_INFINITY : maxDays * DAY_MS;
  const ranges: DateRange[] = [];
  for (let from = first; from <= last && (from === first || from <= today); from += step) {
    ranges.push({ from: dateText(from), to: dateText(Math.min(last, from + step - DAY_MS)) });
  }
  return ranges;
}

/** Midnight UTC of the instant's UTC day, in epoch milliseconds. */
function utcDay(instant: Date): number {
  return Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), instant.getUTCDate());
}

function dateText(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
