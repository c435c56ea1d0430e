/**
 * The burn-up chart of one budget as inline SVG: cumulative spend by local day, the forecast to
 * period end, the straight-line burn, each threshold, anomalous days and today. Pure: no I/O, no
 * clock. Geometry uses plain numbers (pixels); every figure a reader sees is formatted from the
 * exact decimals.
 */
import { formatAmount, formatCompact, formatPercent } from '../alerts/format.ts';
import type { Threshold } from '../budgets/budget.ts';
import { type BudgetStatus, measuredSpend } from '../budgets/status.ts';
import { type Decimal, decimal } from '../money/index.ts';
import { fromLocal, localDateKey } from '../time/zoned.ts';
import { escapeHtml as esc } from './escape.ts';

const WIDTH = 800;
const HEIGHT = 340;
const PLOT = { left: 64, right: WIDTH - 24, top: 24, bottom: HEIGHT - 40 };
const DAY_MS = 86_400_000;

interface ActualPoint {
  at: Date;
  date: string;
  day?: Decimal;
  total: Decimal;
}

export function burnUpChart(status: BudgetStatus, at: Date): string {
  const { budget, timeZone } = status;
  const money = (value: Decimal) => formatAmount(value, budget.measureUnit);
  const start = status.periodStart.getTime();
  const end = status.periodEnd.getTime();
  const x = (instant: Date | number) => {
    const t = typeof instant === 'number' ? instant : instant.getTime();
    return round(PLOT.left + ((clamp(t, start, end) - start) / (end - start)) * (PLOT.right - PLOT.left));
  };

  const points = actualPoints(status);
  const thresholdLevels = budget.thresholds.filter((t) => t.basis !== 'pace').map((t) => t.level);
  const highest = Math.max(
    ...[
      budget.amount.times('1.1'),
      measuredSpend(status),
      status.forecast?.amount ?? decimal(0),
      ...thresholdLevels,
    ].map(Number),
  );
  const ticks = niceTicks(highest * 1.04);
  const yMax = ticks.at(-1)!;
  // Clamped to the plot: a credit-heavy (negative) day sits on the axis rather than below it.
  const y = (value: Decimal | number) =>
    round(PLOT.bottom - (clamp(Number(value), 0, yMax) / yMax) * (PLOT.bottom - PLOT.top));

  const parts: string[] = [];
  // Grid and axes.
  for (const tick of ticks) {
    parts.push(
      `<line class="grid" x1="${PLOT.left}" x2="${PLOT.right}" y1="${y(tick)}" y2="${y(tick)}"/>`,
      `<text class="axis" x="${PLOT.left - 8}" y="${y(tick) + 4}" text-anchor="end">${esc(formatCompact(tick, budget.measureUnit, 'omitted'))}</text>`,
    );
  }
  const days = localDays(status.periodStart, status.periodEnd, timeZone);
  days.forEach((day, i) => {
    const weekly = i % 7 === 0;
    parts.push(
      `<line class="${weekly ? 'grid' : 'tick'}" x1="${x(day)}" x2="${x(day)}" y1="${weekly ? PLOT.top : PLOT.bottom}" y2="${PLOT.bottom + 4}"/>`,
    );
    if (weekly)
      parts.push(
        `<text class="axis" x="${x(day)}" y="${PLOT.bottom + 20}" text-anchor="middle">${esc(shortDate(day, timeZone))}</text>`,
      );
  });
  parts.push(
    `<line class="axis-line" x1="${PLOT.left}" x2="${PLOT.right}" y1="${PLOT.bottom}" y2="${PLOT.bottom}"/>`,
  );

  // Each day's own spend, as faint bars on the same scale: a runaway day stands out at a glance.
  const anomalyDates = new Set(status.anomalies.map((a) => a.date));
  for (const point of points) {
    if (!point.day) continue;
    const dayStart = fromLocal(dateParts(point.date), timeZone).getTime();
    const left = x(dayStart) + 1;
    const right = x(Math.min(dayStart + DAY_MS, end)) - 1;
    parts.push(
      `<rect class="daily${anomalyDates.has(point.date) ? ' daily-anomaly' : ''}" data-kind="daily" x="${left}" y="${y(point.day)}" width="${Math.max(1, round(right - left))}" height="${round(PLOT.bottom - y(point.day))}"><title>${esc(`${longDate(point.date)}: ${money(point.day)} that day`)}</title></rect>`,
    );
  }

  // Straight-line burn: spending the whole budget evenly over the period.
  parts.push(
    `<line class="straight" data-kind="straight-line" x1="${x(start)}" y1="${y(0)}" x2="${x(end)}" y2="${y(budget.amount)}"><title>Straight-line burn: ${esc(money(budget.amount))} spread evenly over the period</title></line>`,
  );

  // Actual spend: area, line and one point per day.
  const path = [[x(start), y(0)], ...points.map((p) => [x(p.at), y(p.total)])] as const;
  const last = path.at(-1)!;
  parts.push(
    `<path class="actual-area" d="M${path.map(([px, py]) => `${px},${py}`).join(' L')} L${last[0]},${y(0)} Z"/>`,
    `<polyline class="actual" data-kind="actual" points="${path.map(([px, py]) => `${px},${py}`).join(' ')}"/>`,
  );

  // Labels at the right edge (forecast, pace) are pushed apart so they never print over each other.
  const paces = budget.thresholds.filter((t) => t.basis === 'pace').map((t) => paceLine(t, status, yMax));
  const endLabelY = spreadApart([
    ...(status.forecast ? [['forecast', y(status.forecast.amount) - 10] as const] : []),
    ...paces.map((p) => [p.threshold.id, y(p.value) + 16] as const),
  ]);
  parts.push(...thresholdLines(status, paces, endLabelY, x, y, money));

  if (status.forecast) {
    const toX = x(end);
    const toY = y(status.forecast.amount);
    const label = `forecast ${money(status.forecast.amount.round(2))}`;
    parts.push(
      `<g data-kind="forecast"><title>${esc(`Forecast ${money(status.forecast.amount.round(2))} at period end: ${status.forecast.inputs}`)}</title>`,
      `<line class="forecast" x1="${x(status.asOf)}" y1="${y(measuredSpend(status))}" x2="${toX}" y2="${toY}"/>`,
      `<circle class="forecast-end" cx="${toX}" cy="${toY}" r="4"/>`,
      `<text class="label forecast-label" x="${toX - 8}" y="${endLabelY.get('forecast')}" text-anchor="end">${esc(label)}</text></g>`,
    );
  }

  for (const point of points) {
    const title = point.day
      ? `${longDate(point.date)}: ${money(point.day)} that day, ${money(point.total)} to date`
      : `${money(point.total)} spent to date (as of ${point.at.toISOString()})`;
    parts.push(
      `<circle class="point" data-kind="actual-point" data-date="${esc(point.date)}" data-total="${esc(point.total.toFixed())}" cx="${x(point.at)}" cy="${y(point.total)}" r="3.5"><title>${esc(title)}</title></circle>`,
    );
  }

  for (const finding of status.anomalies) {
    const point = points.find((p) => p.date === finding.date);
    if (!point) continue;
    const cx = x(point.at);
    const cy = y(point.total);
    parts.push(
      `<g data-kind="anomaly" data-date="${esc(finding.date)}"><title>${esc(`Anomaly on ${longDate(finding.date)}: ${money(finding.amount)} that day, usual ${money(finding.baseline)} a day`)}</title>`,
      `<circle class="anomaly-ring" cx="${cx}" cy="${cy}" r="9"/>`,
      `<text class="label anomaly-label" x="${cx}" y="${cy - 15}" text-anchor="middle">anomaly ${esc(money(finding.amount))}</text></g>`,
    );
  }

  const today = x(at);
  parts.push(
    `<g data-kind="today"><title>${esc(`Now: ${at.toISOString()}`)}</title><line class="today" x1="${today}" x2="${today}" y1="${PLOT.top - 8}" y2="${PLOT.bottom}"/>`,
    `<text class="label today-label" x="${today}" y="${PLOT.top - 12}" text-anchor="middle">today</text></g>`,
  );

  const summary = `Burn-up chart of ${budget.name}: ${money(measuredSpend(status))} of ${money(budget.amount)} spent (${formatPercent(status.percent)})${status.forecast ? `, forecast ${money(status.forecast.amount.round(2))}` : ''}`;
  return `<svg class="chart" data-budget="${esc(budget.name)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${esc(summary)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

interface PaceLine {
  threshold: Threshold;
  /** Where the line leaves the plot: period end, or earlier where it reaches the top. */
  t: number;
  value: number;
}

/** A pace threshold crosses when spend ≥ straight-line spend × (1 + percent/100): a line from 0. */
function paceLine(threshold: Threshold, status: BudgetStatus, yMax: number): PaceLine {
  const start = status.periodStart.getTime();
  const end = status.periodEnd.getTime();
  const percent = threshold.percent ?? threshold.level;
  const atEnd = Number(status.budget.amount.times(decimal(100).plus(percent)).div(100));
  return atEnd > yMax
    ? { threshold, t: start + ((end - start) * yMax) / atEnd, value: yMax }
    : { threshold, t: end, value: atEnd };
}

/** Spend-level thresholds as horizontal lines (those at one level share a line); pace ones as slopes. */
function thresholdLines(
  status: BudgetStatus,
  paces: PaceLine[],
  endLabelY: Map<string, number>,
  x: (t: number) => number,
  y: (v: Decimal | number) => number,
  money: (v: Decimal) => string,
): string[] {
  const { budget } = status;
  const crossed = new Set(status.crossings.map((c) => c.id));
  const byLevel = new Map<string, Threshold[]>();
  for (const threshold of budget.thresholds.filter((t) => t.basis !== 'pace')) {
    const key = threshold.level.toFixed();
    byLevel.set(key, [...(byLevel.get(key) ?? []), threshold]);
  }
  const parts: string[] = [];
  for (const group of byLevel.values()) {
    const level = group[0]!.level;
    const written = group.map((t) => `${t.written} ${t.basis}${crossed.has(t.id) ? ' (crossed)' : ''}`);
    const label = `${written.join(' · ')}${group.some((t) => t.written.endsWith('%')) ? ` — ${money(level)}` : ''}`;
    const onlyForecast = group.every((t) => t.basis === 'forecast');
    parts.push(
      `<g data-kind="threshold" data-threshold="${esc(group.map((t) => t.id).join(' '))}" data-level="${esc(level.toFixed())}" class="sev-${worst(group)}${onlyForecast ? ' basis-forecast' : ''}"><title>${esc(`Threshold ${label}`)}</title>`,
      `<line class="threshold" x1="${PLOT.left}" x2="${PLOT.right}" y1="${y(level)}" y2="${y(level)}"/>`,
      `<text class="label threshold-label" x="${PLOT.left + 6}" y="${y(level) - 5}">${esc(label)}</text></g>`,
    );
  }
  for (const { threshold, t, value } of paces) {
    const label = `pace +${threshold.written}${crossed.has(threshold.id) ? ' (crossed)' : ''}`;
    parts.push(
      `<g data-kind="threshold" data-threshold="${esc(threshold.id)}" data-basis="pace" class="sev-${threshold.severity} basis-pace"><title>${esc(`Pace threshold: crossed when spend runs ${threshold.written} ahead of the straight-line burn`)}</title>`,
      `<line class="threshold" x1="${x(status.periodStart.getTime())}" y1="${y(0)}" x2="${x(t)}" y2="${y(value)}"/>`,
      `<text class="label threshold-label" x="${x(t) - 6}" y="${endLabelY.get(threshold.id)}" text-anchor="end">${esc(label)}</text></g>`,
    );
  }
  return parts;
}

/** Label baselines, top to bottom, at least one line apart and inside the plot. */
function spreadApart(wanted: (readonly [string, number])[]): Map<string, number> {
  const placed = new Map<string, number>();
  let previous = Number.NEGATIVE_INFINITY;
  for (const [key, want] of [...wanted].sort((a, b) => a[1] - b[1])) {
    const at = Math.max(want, previous + 15, PLOT.top + 12);
    placed.set(key, round(at));
    previous = at;
  }
  return placed;
}

/**
 * Cumulative spend at the end of each local day (the day of `asOf` at `asOf`). Without a daily
 * series, the single to-date point.
 */
function actualPoints(status: BudgetStatus): ActualPoint[] {
  const asOfDate = localDateKey(status.asOf, status.timeZone);
  if (!status.daily?.length) return [{ at: status.asOf, date: asOfDate, total: measuredSpend(status) }];
  let total = decimal(0);
  return status.daily.map((point) => {
    total = total.plus(point.amount);
    const { year, month, day } = dateParts(point.date);
    const endOfDay = fromLocal({ year, month, day: day + 1 }, status.timeZone);
    return {
      at: endOfDay > status.asOf || point.date === asOfDate ? status.asOf : endOfDay,
      date: point.date,
      day: point.amount,
      total,
    };
  });
}

function localDays(start: Date, end: Date, timeZone: string): number[] {
  const first = dateParts(localDateKey(start, timeZone));
  const days: number[] = [];
  for (let i = 0; ; i++) {
    const day = fromLocal({ ...first, day: first.day + i }, timeZone).getTime();
    if (day >= end.getTime()) return days;
    days.push(day);
  }
}

/** 0 and 4-6 round steps covering `max`. */
export function niceTicks(max: number): number[] {
  const target = max > 0 ? max : 1;
  const raw = target / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let value = 0; value < target + step; value += step) {
    ticks.push(Number(value.toPrecision(12)));
    if (value >= target) break;
  }
  return ticks;
}

function worst(group: Threshold[]): Threshold['severity'] {
  const order = ['info', 'warning', 'critical'] as const;
  return order[Math.max(...group.map((t) => order.indexOf(t.severity)))]!;
}

function dateParts(date: string): { year: number; month: number; day: number } {
  const [year, month, day] = date.split('-').map(Number);
  return { year: year!, month: month!, day: day! };
}

function shortDate(instant: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone, month: 'short', day: 'numeric' }).format(instant);
}

/** "Nov 20" from "2026-11-20", without a time zone round trip. */
function longDate(date: string): string {
  const { year, month, day } = dateParts(date);
  return shortDate(Date.UTC(year, month - 1, day, 12), 'UTC');
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
