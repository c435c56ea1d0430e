/**
 * When GET /bills/latest's figure was evaluated, and so which month it is of. The bill names no month:
 * its figure is of the month in which Soracom evaluated it, `lastEvaluatedTime` ("yyyyMMddHHmmss").
 *
 * That time carries no zone, and Soracom's API definition says only "Date and time when calculated".
 * It is read in the account's billing time zone (Asia/Tokyo for Japan coverage, UTC for Global, or the
 * account's `timeZone`): Soracom's docs state UTC months for Global coverage; JST for Japan coverage is
 * this project's assumption (see the README, "Soracom readings"). Either way the stamp's own digits
 * name the month when Soracom writes it in the zone its months run in, so a figure evaluated at 23:59
 * on 30 November and read after midnight still counts for November, as of 23:59.
 */
import { monthlyPeriod } from '../../time/period.ts';
import { daysInMonth, fromLocal } from '../../time/zoned.ts';

export type FigureTime =
  /** The bill's own evaluation time. */
  | { status: 'stated'; asOf: Date }
  /** No usable evaluation time, far enough into a month that the figure can only be this month's. */
  | { status: 'inferred'; asOf: Date; reason: string }
  /** No usable evaluation time early in a month, when the figure may still be last month's. */
  | { status: 'pending'; reason: string };

/**
 * For this long after a month starts, a figure without its evaluation time may still be last month's
 * (Soracom re-evaluates the preliminary bill periodically, and its charges can take about a day to be
 * aggregated): read then, it is pending rather than counted for the new month. Later the read time
 * stands in: /bills/latest is the current month's bill.
 */
export const UNDATED_FIGURE_PENDING_HOURS = 24;

/** Clock skew allowed between Soracom's evaluation time and ours before a stamp "from the future" is doubted. */
const SKEW_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;

export function figureTime(stamp: string | undefined, now: Date, timeZone: string): FigureTime {
  const evaluated = stamp === undefined ? undefined : parseStamp(stamp, timeZone);
  let problem: string;
  if (stamp === undefined) problem = 'the bill states no lastEvaluatedTime';
  else if (!evaluated) problem = `lastEvaluatedTime ${preview(stamp)} is not a time yyyyMMddHHmmss`;
  else if (evaluated.getTime() - now.getTime() > SKEW_MS) {
    const hours = ((evaluated.getTime() - now.getTime()) / HOUR_MS).toFixed(1);
    problem = `lastEvaluatedTime "${stamp}" read in ${timeZone} lies ${hours} h after the read time; if Soracom writes it in another zone, set the account's timeZone to it`;
  } else return { status: 'stated', asOf: evaluated };

  const monthStart = monthlyPeriod(now, timeZone).start;
  const pendingUntil = new Date(monthStart.getTime() + UNDATED_FIGURE_PENDING_HOURS * HOUR_MS);
  if (now < pendingUntil) {
    return {
      status: 'pending',
      reason: `${problem}, and early in a month its figure may still be last month's: it is counted from ${pendingUntil.toISOString()}, as of the read time`,
    };
  }
  return { status: 'inferred', asOf: now, reason: `${problem}; the figure is taken as of the read time` };
}

/** "20261123091500" as an instant in `timeZone`; undefined unless it is a real wall-clock time. */
function parseStamp(stamp: string, timeZone: string): Date | undefined {
  if (!/^\d{14}$/.test(stamp)) return undefined;
  const n = (from: number, to: number) => Number(stamp.slice(from, to));
  const local = {
    year: n(0, 4),
    month: n(4, 6),
    day: n(6, 8),
    hour: n(8, 10),
    minute: n(10, 12),
    second: n(12, 14),
  };
  const onCalendar =
    local.month >= 1 &&
    local.month <= 12 &&
    local.day >= 1 &&
    local.day <= daysInMonth(local.year, local.month) &&
    local.hour <= 23 &&
    local.minute <= 59 &&
    local.second <= 59;
  return onCalendar ? fromLocal(local, timeZone) : undefined;
}

function preview(text: string): string {
  const quoted = JSON.stringify(text);
  return quoted.length > 40 ? `${quoted.slice(0, 37)}...` : quoted;
}
