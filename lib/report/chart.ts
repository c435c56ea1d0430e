/**
 * The chart of one budget as inline SVG with its legend. A budget over its whole spend gets a burn-up
 * chart: cumulative spend by local day, the forecast to period end, the straight-line burn, each
 * threshold, anomalous days and today. A per-resource budget charts its largest resources' own days:
 * cumulative for a period window, day by day for a daily one. Only what the readings say is drawn:
 * without a daily series, the one to-date point. Labels are laid out so that none covers another
 * (label-layout.ts); one without room is listed in the legend. Pure: no I/O, no clock. Geometry uses
 * plain numbers (pixels); every figure a reader sees is formatted from the exact decimals.
 */
import { formatAmount, formatCompact, formatPercent } from '../alerts/format.ts';
import type { Threshold } from '../budgets/budget.ts';
import type { DailyPoint } from '../budgets/series.ts';
import { type BudgetStatus, measuredSpend, type ResourceSeries } from '../budgets/status.ts';
import { cachedFormat } from '../intl/formats.ts';
import { type Decimal, decimal } from '../money/index.ts';
import { fromLocal, localDateKey } from '../time/zoned.ts';
import { escapeHtml as esc } from './escape.ts';
import { type Box, circleBox, type LabelRequest, nudged, placeLabels, type Spot } from './label-layout.ts';

const WIDTH = 800;
const HEIGHT = 340;
const PLOT = { left: 64, right: WIDTH - 24, top: 24, bottom: HEIGHT - 40 };
/** Where labels may go: the plot and the strip above it (today's label), clear of the axes' text. */
const LABEL_AREA: Box = { left: PLOT.left, top: 0, right: WIDTH, bottom: PLOT.bottom };
const DAY_MS = 86_400_000;
/** A label's height and a little: how far a nudge moves it. */
const LINE = 18;

interface Frame {
  status: BudgetStatus;
  start: number;
  end: number;
  x: (instant: Date | number) => number;
  y: (value: Decimal | number) => number;
  money: (value: Decimal) => string;
}

/** A `<g>` of the chart and, when it has one, its label: drawn inside it if placed, else in the legend. */
interface Mark {
  open: string;
  shapes: string;
  label?: { request: LabelRequest; className: string };
}

interface ActualPoint {
  at: Date;
  date: string;
  day?: Decimal;
  total: Decimal;
}

/** The chart and its legend, as a `<figure>`. */
export function budgetChart(status: BudgetStatus, at: Date): string {
  const { budget } = status;
  const money = (value: Decimal) => formatAmount(value, budget.measureUnit);
  const series = status.resourceSeries;
  const thresholdLevels = budget.thresholds.filter((t) => series || t.basis !== 'pace').map((t) => t.level);
  const highest = Math.max(
    ...[
      budget.amount.times('1.1'),
      ...thresholdLevels,
      ...(series
        ? series.map((s) => s.value)
        : [measuredSpend(status), status.forecast?.amount ?? decimal(0)]),
    ].map(Number),
  );
  const ticks = niceTicks(highest * 1.04);
  const yMax = ticks.at(-1)!;
  const start = status.periodStart.getTime();
  const end = status.periodEnd.getTime();
  const frame: Frame = {
    status,
    start,
    end,
    x: (instant) => {
      const t = typeof instant === 'number' ? instant : instant.getTime();
      return round(PLOT.left + ((clamp(t, start, end) - start) / (end - start)) * (PLOT.right - PLOT.left));
    },
    // Clamped to the plot: a credit-heavy (negative) day sits on the axis rather than below it.
    y: (value) => round(PLOT.bottom - (clamp(Number(value), 0, yMax) / yMax) * (PLOT.bottom - PLOT.top)),
    money,
  };

  const parts = axes(frame, ticks);
  const marks: Mark[] = [todayMark(frame, at)];
  let legend: string[];
  let dots: Box[];
  if (series) {
    const drawn = resourceLayers(frame, series);
    parts.push(...drawn.parts);
    dots = drawn.dots;
    legend = [...drawn.legend, LEGEND_ITEMS.threshold, LEGEND_ITEMS.today];
  } else {
    const drawn = spendLayers(frame, yMax);
    parts.push(...drawn.parts);
    marks.push(...drawn.marks);
    dots = drawn.dots;
    legend = Object.values(LEGEND_ITEMS);
  }
  marks.push(...levelMarks(frame, Boolean(series)));

  const { placed, unplaced } = placeLabels(
    marks.flatMap((m) => (m.label ? [m.label.request] : [])),
    LABEL_AREA,
    dots,
  );
  const placedByKey = new Map(placed.map((p) => [p.key, p]));
  // Thresholds and the forecast under the data; anomalies and today on top, as they were drawn.
  const drawnMarks = marks.map((mark) => {
    const label = mark.label && placedByKey.get(mark.label.request.key);
    const text = label
      ? `<text class="label ${mark.label!.className}" data-label="${esc(label.key)}" x="${round(label.x)}" y="${round(label.y)}" text-anchor="${label.anchor}">${esc(label.text)}</text>`
      : '';
    return `${mark.open}${mark.shapes}${text}</g>`;
  });
  const [today, ...rest] = drawnMarks;
  parts.push(...rest, today!);

  const notes = unplaced.map(
    (request) => `<span class="label-note" data-label="${esc(request.key)}">${esc(request.text)}</span>`,
  );
  return `<figure class="chart-box">
<svg class="chart" data-budget="${esc(budget.name)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${esc(chartSummary(status))}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>
<figcaption class="legend">
${[...legend, ...notes].join('\n')}
</figcaption>
</figure>`;
}

function chartSummary(status: BudgetStatus): string {
  const { budget } = status;
  const money = (value: Decimal) => formatAmount(value, budget.measureUnit);
  if (status.resourceSeries) {
    const daily = budget.perResource?.window === 'day';
    const listed = status.resourceSeries.map((s) => `${s.name ?? s.id} ${money(s.value)}`).join(', ');
    return daily
      ? `Each day's spend of the largest resources of ${budget.name}, each held to ${money(budget.amount)} a day; largest days: ${listed}`
      : `Spend to date of the largest resources of ${budget.name}, each held to ${money(budget.amount)}: ${listed}`;
  }
  return `Burn-up chart of ${budget.name}: ${money(measuredSpend(status))} of ${money(budget.amount)} spent (${formatPercent(status.percent)})${status.forecast ? `, forecast ${money(status.forecast.amount.round(2))}` : ''}`;
}

/** Grid, ticks and axis text. */
function axes({ status, x, y }: Frame, ticks: number[]): string[] {
  const { timeZone } = status;
  const parts: string[] = [];
  for (const tick of ticks) {
    parts.push(
      `<line class="grid" x1="${PLOT.left}" x2="${PLOT.right}" y1="${y(tick)}" y2="${y(tick)}"/>`,
      `<text class="axis" x="${PLOT.left - 8}" y="${y(tick) + 4}" text-anchor="end">${esc(formatCompact(tick, status.budget.measureUnit, 'omitted'))}</text>`,
    );
  }
  localDays(status.periodStart, status.periodEnd, timeZone).forEach((day, i) => {
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
  return parts;
}

/** A whole-spend budget: daily bars, straight-line burn, spend to date, forecast, pace lines, anomalies. */
function spendLayers(frame: Frame, yMax: number): { parts: string[]; marks: Mark[]; dots: Box[] } {
  const { status, x, y, money, start, end } = frame;
  const { budget, timeZone } = status;
  const points = actualPoints(status);
  const parts: string[] = [];
  const marks: Mark[] = [];
  const dots = points.map((p) => circleBox(x(p.at), y(p.total), 4));

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

  parts.push(straightLine(frame));

  // Spend to date: from ¥0 at the period's start through each day, when the days are known.
  if (status.daily?.length) {
    const path = [[x(start), y(0)], ...points.map((p) => [x(p.at), y(p.total)])] as const;
    const last = path.at(-1)!;
    parts.push(
      `<path class="actual-area" d="M${path.map(([px, py]) => `${px},${py}`).join(' L')} L${last[0]},${y(0)} Z"/>`,
      `<polyline class="actual" data-kind="actual" points="${path.map(([px, py]) => `${px},${py}`).join(' ')}"/>`,
    );
  }

  if (status.forecast) {
    const toX = x(end);
    const toY = y(status.forecast.amount);
    const amount = money(status.forecast.amount.round(2));
    marks.push({
      open: `<g data-kind="forecast"><title>${esc(`Forecast ${amount} at period end: ${status.forecast.inputs}`)}</title>`,
      shapes: `<line class="forecast" x1="${x(status.asOf)}" y1="${y(measuredSpend(status))}" x2="${toX}" y2="${toY}"/><circle class="forecast-end" cx="${toX}" cy="${toY}" r="4"/>`,
      label: {
        className: 'forecast-label',
        request: {
          key: 'forecast',
          text: `forecast ${amount}`,
          spots: nudged({ x: toX - 8, y: toY - 10, anchor: 'end' }, LINE, 6),
        },
      },
    });
  }

  for (const point of points) {
    const title = point.day
      ? `${longDate(point.date)}: ${money(point.day)} that day, ${money(point.total)} to date`
      : `${money(point.total)} spent to date (as of ${point.at.toISOString()}; no daily series)`;
    parts.push(
      `<circle class="point" data-kind="actual-point" data-date="${esc(point.date)}" data-total="${esc(point.total.toFixed())}" cx="${x(point.at)}" cy="${y(point.total)}" r="3.5"><title>${esc(title)}</title></circle>`,
    );
  }

  for (const threshold of budget.thresholds.filter((t) => t.basis === 'pace'))
    marks.push(paceMark(frame, threshold, yMax));

  for (const finding of status.anomalies) {
    const point = points.find((p) => p.date === finding.date);
    if (!point) continue;
    const cx = x(point.at);
    const cy = y(point.total);
    dots.push(circleBox(cx, cy, 9));
    marks.push({
      open: `<g data-kind="anomaly" data-date="${esc(finding.date)}"><title>${esc(`Anomaly on ${longDate(finding.date)}: ${money(finding.amount)} that day, usual ${money(finding.baseline)} a day`)}</title>`,
      shapes: `<circle class="anomaly-ring" cx="${cx}" cy="${cy}" r="9"/>`,
      label: {
        className: 'anomaly-label',
        request: {
          key: `anomaly-${finding.date}`,
          text: `anomaly ${money(finding.amount)} (${longDate(finding.date)})`,
          spots: [
            ...[0, 1, 2, 3].map((i) => ({ x: cx, y: cy - 15 - i * LINE, anchor: 'middle' as const })),
            { x: cx, y: cy + 24, anchor: 'middle' },
            { x: cx + 14, y: cy + 4, anchor: 'start' },
            { x: cx - 14, y: cy + 4, anchor: 'end' },
            { x: cx + 14, y: cy - 15, anchor: 'start' },
            { x: cx - 14, y: cy - 15, anchor: 'end' },
          ],
        },
      },
    });
  }
  if (status.forecast) dots.push(circleBox(x(end), y(status.forecast.amount), 5));
  return { parts, marks, dots };
}

/** A per-resource budget: each of its largest resources as its own line, cumulative or day by day. */
function resourceLayers(
  frame: Frame,
  series: ResourceSeries[],
): { parts: string[]; legend: string[]; dots: Box[] } {
  const { status, x, y, money } = frame;
  const daily = status.budget.perResource?.window === 'day';
  const parts: string[] = daily ? [] : [straightLine(frame)];
  const legend: string[] = [];
  const dots: Box[] = [];
  series.forEach((resource, i) => {
    const name = resource.name ? `${resource.name} (${resource.id})` : resource.id;
    const points = resourcePoints(status, resource, daily);
    const path = points.map((p) => `${x(p.at)},${y(p.value)}`).join(' ');
    dots.push(...points.map((p) => circleBox(x(p.at), y(p.value), 4)));
    const circles = points.map(
      (p) =>
        `<circle class="point" data-kind="resource-point" data-date="${esc(p.date ?? '')}" data-value="${esc(p.value.toFixed())}" cx="${x(p.at)}" cy="${y(p.value)}" r="3"><title>${esc(`${name}: ${p.title}`)}</title></circle>`,
    );
    parts.push(
      `<g data-kind="resource-series" data-resource="${esc(resource.id)}" class="series-${i + 1}">${points.length > 1 ? `<polyline class="resource-line" points="${path}"/>` : ''}${circles.join('')}</g>`,
    );
    const held = daily ? `largest day ${money(resource.value)}` : money(resource.value);
    legend.push(
      `<span data-kind="resource-legend" class="series-${i + 1}">${swatch(`<line class="resource-line" x1="1" y1="9" x2="25" y2="3"/><circle class="point" cx="13" cy="6" r="3"/>`)}${esc(name)}: ${esc(held)}</span>`,
    );
  });
  if (!daily) legend.push(LEGEND_ITEMS.straight);
  return { parts, legend, dots };
}

interface ResourcePoint {
  at: Date;
  date?: string;
  value: Decimal;
  title: string;
}

/**
 * A resource's points: each day's spend at the day's middle (daily windows), or its spend to date at
 * the end of each day, from what no day carries at the period's start. Without days, its one figure.
 */
function resourcePoints(status: BudgetStatus, resource: ResourceSeries, daily: boolean): ResourcePoint[] {
  const money = (value: Decimal) => formatAmount(value, status.budget.measureUnit);
  if (daily)
    return resource.days.map((day) => ({
      at: new Date(fromLocal(dateParts(day.date), status.timeZone).getTime() + DAY_MS / 2),
      date: day.date,
      value: day.amount,
      title: `${longDate(day.date)}: ${money(day.amount)} that day`,
    }));
  if (resource.days.length === 0)
    return [
      {
        at: status.asOf,
        value: resource.value,
        title: `${money(resource.value)} spent to date (as of ${status.asOf.toISOString()}; no daily series)`,
      },
    ];
  const start: ResourcePoint[] = resource.undated.eq(0)
    ? []
    : [
        {
          at: status.periodStart,
          value: resource.undated,
          title: `${money(resource.undated)} for the period on no day (a monthly fee, a credit), to date`,
        },
      ];
  let total = resource.undated;
  return [
    ...start,
    ...resource.days.map((day) => {
      total = total.plus(day.amount);
      return {
        at: endOfDay(day, status),
        date: day.date,
        value: total,
        title: `${longDate(day.date)}: ${money(day.amount)} that day, ${money(total)} to date`,
      };
    }),
  ];
}

/** Straight-line burn: spending the whole budget evenly over the period. */
function straightLine({ x, y, start, end, money, status }: Frame): string {
  const { amount } = status.budget;
  return `<line class="straight" data-kind="straight-line" x1="${x(start)}" y1="${y(0)}" x2="${x(end)}" y2="${y(amount)}"><title>Straight-line burn: ${esc(money(amount))} spread evenly over the period</title></line>`;
}

function todayMark({ x }: Frame, at: Date): Mark {
  const today = x(at);
  const y = PLOT.top - 10;
  return {
    open: `<g data-kind="today"><title>${esc(`Now: ${at.toISOString()}`)}</title>`,
    shapes: `<line class="today" x1="${today}" x2="${today}" y1="${PLOT.top - 6}" y2="${PLOT.bottom}"/>`,
    label: {
      className: 'today-label',
      request: {
        key: 'today',
        text: 'today',
        spots: [
          { x: today, y, anchor: 'middle' },
          { x: today + 4, y, anchor: 'start' },
          { x: today - 4, y, anchor: 'end' },
        ],
      },
    },
  };
}

/**
 * Spend-level thresholds as horizontal lines (those at one level share a line and a label), their
 * label above or below the line at its left, right or middle. Per-resource budgets hold every
 * threshold as a level of each resource's spend.
 */
function levelMarks({ status, y, money }: Frame, everyThreshold: boolean): Mark[] {
  const { budget } = status;
  const crossed = crossedIds(status);
  const byLevel = new Map<string, Threshold[]>();
  for (const threshold of budget.thresholds.filter((t) => everyThreshold || t.basis !== 'pace')) {
    const key = threshold.level.toFixed();
    byLevel.set(key, [...(byLevel.get(key) ?? []), threshold]);
  }
  return [...byLevel.values()].map((group) => {
    const level = group[0]!.level;
    const written = group.map((t) => `${t.written} ${t.basis}${crossed.has(t.id) ? ' (crossed)' : ''}`);
    const label = `${written.join(' · ')}${group.some((t) => t.written.endsWith('%')) ? ` — ${money(level)}` : ''}`;
    const onlyForecast = group.every((t) => t.basis === 'forecast');
    const at = y(level);
    const spots: Spot[] = [PLOT.left + 6, PLOT.right - 6, (PLOT.left + PLOT.right) / 2].flatMap((x, i) => {
      const anchor = (['start', 'end', 'middle'] as const)[i]!;
      return [
        { x, y: at - 5, anchor },
        { x, y: at + 15, anchor },
      ];
    });
    return {
      open: `<g data-kind="threshold" data-threshold="${esc(group.map((t) => t.id).join(' '))}" data-level="${esc(level.toFixed())}" class="sev-${worst(group)}${onlyForecast ? ' basis-forecast' : ''}"><title>${esc(`Threshold ${label}`)}</title>`,
      shapes: `<line class="threshold" x1="${PLOT.left}" x2="${PLOT.right}" y1="${at}" y2="${at}"/>`,
      label: {
        className: 'threshold-label',
        request: { key: `threshold-${group.map((t) => t.id).join('-')}`, text: label, spots },
      },
    };
  });
}

/** A pace threshold crosses when spend ≥ straight-line spend × (1 + percent/100): a line from 0. */
function paceMark({ status, x, y, start, end }: Frame, threshold: Threshold, yMax: number): Mark {
  const percent = threshold.percent ?? threshold.level;
  const atEnd = Number(status.budget.amount.times(decimal(100).plus(percent)).div(100));
  // Where the line leaves the plot: period end, or earlier where it reaches the top.
  const [t, value] = atEnd > yMax ? [start + ((end - start) * yMax) / atEnd, yMax] : [end, atEnd];
  const label = `pace +${threshold.written}${crossedIds(status).has(threshold.id) ? ' (crossed)' : ''}`;
  return {
    open: `<g data-kind="threshold" data-threshold="${esc(threshold.id)}" data-basis="pace" class="sev-${threshold.severity} basis-pace"><title>${esc(`Pace threshold: crossed when spend runs ${threshold.written} ahead of the straight-line burn`)}</title>`,
    shapes: `<line class="threshold" x1="${x(start)}" y1="${y(0)}" x2="${x(t)}" y2="${y(value)}"/>`,
    label: {
      className: 'threshold-label',
      request: {
        key: `threshold-${threshold.id}`,
        text: label,
        spots: nudged({ x: x(t) - 6, y: y(value) + 16, anchor: 'end' }, LINE, 6),
      },
    },
  };
}

function crossedIds(status: BudgetStatus): Set<string> {
  return new Set(status.crossings.map((c) => c.id));
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
    return { at: endOfDay(point, status), date: point.date, day: point.amount, total };
  });
}

/** Where a day's spend to date is known: the day's end, or `asOf` for the day still running. */
function endOfDay(point: DailyPoint, status: BudgetStatus): Date {
  const { year, month, day } = dateParts(point.date);
  const end = fromLocal({ year, month, day: day + 1 }, status.timeZone);
  return end > status.asOf || point.date === localDateKey(status.asOf, status.timeZone) ? status.asOf : end;
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
  return cachedFormat(
    `chart day ${timeZone}`,
    () => new Intl.DateTimeFormat('en-US', { timeZone, month: 'short', day: 'numeric' }),
  ).format(instant);
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

const swatch = (inner: string) =>
  `<svg width="26" height="12" viewBox="0 0 26 12" aria-hidden="true">${inner}</svg>`;

const LEGEND_ITEMS = {
  actual: `<span>${swatch('<line class="actual" x1="1" y1="9" x2="25" y2="3"/><circle class="point" cx="13" cy="6" r="3"/>')}spend to date (hover a point for the day)</span>`,
  daily: `<span>${swatch('<rect class="daily" x="8" y="4" width="10" height="8"/>')}each day's spend</span>`,
  forecast: `<span>${swatch('<line class="forecast" x1="1" y1="6" x2="25" y2="6"/>')}forecast</span>`,
  straight: `<span>${swatch('<line class="straight" x1="1" y1="10" x2="25" y2="2"/>')}straight-line burn</span>`,
  threshold: `<span>${swatch('<line class="threshold sev-warning-line" x1="1" y1="6" x2="25" y2="6"/>')}threshold (dashed: forecast basis)</span>`,
  anomaly: `<span>${swatch('<circle class="anomaly-ring" cx="13" cy="6" r="5"/>')}anomalous day</span>`,
  today: `<span>${swatch('<line class="today" x1="13" y1="0" x2="13" y2="12"/>')}now</span>`,
};
