/**
 * Projects period-end spend. Kept on its own behind `forecastPeriodEnd` so a better model can
 * replace it without touching thresholds or delivery.
 *
 * - With a daily series: spend to date + the median of the last (up to 7) complete days × days left.
 *   Recent days follow a change in usage faster than the whole-period average; the median keeps a
 *   single runaway day (the anomaly rule's business) from inflating the projection, yet follows a
 *   sustained change within four days.
 * - Without one: spend to date ÷ fraction of the period elapsed (straight line). When the lines say
 *   which charges are fixed (FOCUS ChargeFrequency: recurring and one-time charges, e.g. a Kill Bill
 *   plan's monthly fee billed in advance), only the usage-based rest is projected: a fixed fee does
 *   not grow with the days.
 * No forecast before `minDays` days of data: early-month projections cry wolf.
 */
import { type Decimal, decimal } from '../money/index.ts';
import { type DailyPoint, median } from './series.ts';

export interface ForecastInput {
  spent: Decimal;
  unit: string;
  periodStart: Date;
  periodEnd: Date;
  asOf: Date;
  /** Local date of `asOf` ("2026-11-23"): that day is partial and not used as a rate. */
  asOfDate: string;
  daily?: DailyPoint[];
  minDays: number;
  /** The part of `spent` that does not grow with the period (fixed charges), where the lines tell. */
  fixed?: Decimal;
}

export interface Forecast {
  amount: Decimal;
  method: 'daily-run-rate' | 'elapsed-linear' | 'fixed-plus-usage-linear';
  /** The inputs in words, for the alert: a person should be able to redo the sum. */
  inputs: string;
}

const DAY_MS = 86_400_000;
const RUN_RATE_DAYS = 7;

export function forecastPeriodEnd(input: ForecastInput): Forecast | undefined {
  const daysLeft = Math.max(0, (input.periodEnd.getTime() - input.asOf.getTime()) / DAY_MS);
  const complete = completeDays(input.daily ?? [], input.asOfDate);
  if (input.daily && complete.length >= input.minDays) {
    const recent = complete.slice(-RUN_RATE_DAYS);
    const middle = median(recent.map((p) => p.amount));
    // Days of credits can make the median negative; the projection never falls below spend to date.
    const rate = middle.lt(0) ? decimal(0) : middle;
    const amount = input.spent.plus(rate.times(decimal(daysLeft.toFixed(4))));
    return {
      amount,
      method: 'daily-run-rate',
      inputs: `${fmt(input.spent)} ${input.unit} spent + ${daysLeft.toFixed(1)} days left × ${fmt(rate)} ${input.unit}/day (median of the last ${recent.length} full days)`,
    };
  }
  const elapsedDays = (input.asOf.getTime() - input.periodStart.getTime()) / DAY_MS;
  const totalDays = (input.periodEnd.getTime() - input.periodStart.getTime()) / DAY_MS;
  if (input.daily || elapsedDays < input.minDays || elapsedDays <= 0) return undefined;
  const totalMs = input.periodEnd.getTime() - input.periodStart.getTime();
  // A figure dated after the period ended is the period's whole spend, not a fraction to scale down.
  const elapsedMs = Math.min(input.asOf.getTime() - input.periodStart.getTime(), totalMs);
  if (input.fixed !== undefined) {
    const growing = input.spent.minus(input.fixed);
    return {
      amount: input.fixed.plus(growing.times(totalMs).div(elapsedMs)),
      method: 'fixed-plus-usage-linear',
      inputs: `${fmt(input.fixed)} ${input.unit} fixed charges (recurring and one-time: not projected) + ${fmt(growing)} ${input.unit} usage-based in ${elapsedDays.toFixed(1)} of ${totalDays.toFixed(0)} days, projected in a straight line`,
    };
  }
  return {
    amount: input.spent.times(totalMs).div(elapsedMs),
    method: 'elapsed-linear',
    inputs: `${fmt(input.spent)} ${input.unit} spent in ${elapsedDays.toFixed(1)} of ${totalDays.toFixed(0)} days, projected in a straight line`,
  };
}

/** The days of a series before the local date of `asOf`: whole days, the ones a run rate is taken from. */
export function completeDays(daily: DailyPoint[], asOfDate: string): DailyPoint[] {
  return daily.filter((point) => point.date < asOfDate);
}

function fmt(value: Decimal): string {
  return value.round(2).toFixed();
}
