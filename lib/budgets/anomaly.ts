/**
 * Day-level anomalies: a day's spend far above the median of the days before it, measured in
 * robust standard deviations (1.4826 × median absolute deviation), so one earlier spike does not
 * hide the next and a smooth ramp does not look like a spike.
 */
import { type Decimal, decimal } from '../money/index.ts';
import type { AnomalyRule } from './budget.ts';
import { type DailyPoint, median } from './series.ts';

export interface AnomalyFinding {
  date: string;
  amount: Decimal;
  /** Median of the baseline days. */
  baseline: Decimal;
  /** Robust spread used (never below 5 % of the baseline, so a flat series is not infinitely sensitive). */
  spread: Decimal;
  /** (amount − baseline) / spread, rounded. */
  score: number;
  baselineDays: number;
}

const MIN_BASELINE_DAYS = 5;
const MAD_TO_SIGMA = decimal('1.4826');
const SPREAD_FLOOR_OF_MEDIAN = decimal('0.05');

/** Checks every day that has enough history before it (a partial "today" included: it can only grow). */
export function findAnomalies(daily: DailyPoint[], rule: AnomalyRule): AnomalyFinding[] {
  const findings: AnomalyFinding[] = [];
  for (let i = MIN_BASELINE_DAYS; i < daily.length; i++) {
    const day = daily[i]!;
    const window = daily.slice(Math.max(0, i - rule.lookbackDays), i).map((p) => p.amount);
    const center = median(window);
    const mad = median(window.map((v) => v.minus(center).abs()));
    const spread = maxOf(mad.times(MAD_TO_SIGMA), center.times(SPREAD_FLOOR_OF_MEDIAN));
    const excess = day.amount.minus(center);
    if (excess.lte(0) || excess.lt(rule.minAmount)) continue;
    const score = spread.eq(0) ? Number.POSITIVE_INFINITY : Number(excess.div(spread).toFixed(2));
    if (score >= rule.sensitivity) {
      findings.push({
        date: day.date,
        amount: day.amount,
        baseline: center,
        spread,
        score,
        baselineDays: window.length,
      });
    }
  }
  return findings;
}

function maxOf(a: Decimal, b: Decimal): Decimal {
  return a.gte(b) ? a : b;
}
