import { type Decimal, decimal } from '../money/index.ts';

/** One local day's spend (or usage) in the budget's unit. */
export interface DailyPoint {
  /** "2026-11-23", local to the period's time zone. */
  date: string;
  amount: Decimal;
}

export function median(values: Decimal[]): Decimal {
  if (values.length === 0) throw new RangeError('median of an empty series');
  const sorted = [...values].sort((a, b) => a.cmp(b));
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : sorted[mid - 1]!.plus(sorted[mid]!).div(2);
}

/** Adds points of the same date (group budgets, several accounts). */
export function mergeDaily(series: DailyPoint[][]): DailyPoint[] {
  const byDate = new Map<string, Decimal>();
  for (const points of series) {
    for (const point of points)
      byDate.set(point.date, (byDate.get(point.date) ?? decimal(0)).plus(point.amount));
  }
  return [...byDate.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, amount]) => ({ date, amount }));
}
