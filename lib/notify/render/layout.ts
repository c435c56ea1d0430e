/**
 * Wording and formatting shared by every rendering of an alert (SNS subject, email text, Slack), so
 * each channel says the same thing the same way. Pure functions of the alert.
 */
import type { Alert } from '../../alerts/alert.ts';
import {
  type CurrencyDisplay,
  formatAmount,
  formatLocal,
  formatPercent,
  oneLine,
} from '../../alerts/format.ts';
import type { Contributor } from '../../budgets/evaluate.ts';
import { decimal, isDecimalText } from '../../money/index.ts';

export interface RenderOptions {
  /** IANA zone for the human-readable times shown next to ISO ones. Default UTC. */
  timeZone?: string;
}

/** Shortens to `max` characters (code points), ending with an ellipsis when cut. */
export function clip(text: string, max: number, ellipsis = '…'): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return chars.slice(0, Math.max(0, max - ellipsis.length)).join('') + ellipsis;
}

/** "2026-11-23T03:00:00Z": the alert's instant without zero milliseconds. */
export function isoInstant(iso: string): string {
  return new Date(iso).toISOString().replace('.000Z', 'Z');
}

/** "Mon, Nov 23, 2026, 12:00 GMT+9" in the reader's configured zone. */
export function humanInstant(iso: string, options: RenderOptions = {}): string {
  return formatLocal(new Date(iso), options.timeZone ?? 'UTC', 'long');
}

/** "45 min", "5 h 10 min", "2 d 3 h": how much older `earlier` is than `later`. */
export function durationBetween(earlier: string, later: string): string {
  const minutes = Math.max(0, Math.round((Date.parse(later) - Date.parse(earlier)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** Cost budgets spend, usage budgets (API calls, GB...) use: the words follow the alert's measure. */
export function measureWords(alert: Alert): { noun: string; past: string; label: string } {
  return alert.measure === 'usage'
    ? { noun: 'usage', past: 'used', label: 'Used' }
    : { noun: 'spend', past: 'spent', label: 'Spent' };
}

export function basisLabel(alert: Alert): string {
  const { noun } = measureWords(alert);
  const labels: Record<Alert['basis'], string> = {
    actual: `actual ${noun}`,
    forecast: 'forecast at period end',
    pace: 'pace vs a straight-line burn',
    anomaly: `daily ${noun} anomaly`,
    gap: 'monitoring gap',
  };
  return labels[alert.basis];
}

const isPercent = (written: string) => written.endsWith('%') && isDecimalText(written.slice(0, -1));

/** The threshold as written plus what it means: "100% of budget = ¥30,000", "¥25,000", "20% ahead of pace". */
export function thresholdText(alert: Alert, display: CurrencyDisplay = 'symbol'): string {
  const written = oneLine(alert.threshold);
  if (alert.basis === 'pace') return `${written} ahead of pace`;
  if (alert.basis !== 'actual' && alert.basis !== 'forecast') return written;
  if (isPercent(written)) {
    const level = decimal(alert.budgetAmount)
      .times(decimal(written.slice(0, -1)))
      .div(100);
    return `${written} of budget = ${formatAmount(level.toFixed(), alert.unit, display)}`;
  }
  return isDecimalText(written) ? formatAmount(written, alert.unit, display) : written;
}

/** "the 100% threshold", "the ¥25,000 threshold": a threshold named briefly. */
function thresholdName(alert: Alert, display: CurrencyDisplay): string {
  const written = oneLine(alert.threshold);
  return isPercent(written) || !isDecimalText(written) ? written : formatAmount(written, alert.unit, display);
}

/** "the 100% threshold (¥30,000)" or "the ¥25,000 threshold" for spend and forecast thresholds. */
function thresholdPhrase(alert: Alert, display: CurrencyDisplay): string {
  const written = oneLine(alert.threshold);
  if (!isPercent(written)) return `the ${thresholdName(alert, display)} threshold`;
  const level = decimal(alert.budgetAmount)
    .times(decimal(written.slice(0, -1)))
    .div(100);
  return `the ${written} threshold (${formatAmount(level.toFixed(), alert.unit, display)})`;
}

/** observed / budget in percent, or undefined for a zero budget. */
function percentOfBudget(alert: Alert, value: string): string | undefined {
  const budget = decimal(alert.budgetAmount);
  return budget.eq(0) ? undefined : formatPercent(decimal(value).div(budget).times(100).toFixed());
}

/**
 * The short "what happened" after the budget name, for subjects, Slack headers and digests:
 * "104.2% of JPY 30,000 (actual)", "forecast to reach 135.0% of $500.00", "monitoring gap".
 */
export function summaryPhrase(alert: Alert, display: CurrencyDisplay = 'symbol'): string {
  const money = (value: string) => formatAmount(value, alert.unit, display);
  const { noun, past } = measureWords(alert);
  const budget = money(alert.budgetAmount);
  const ofBudget = (value: string) => {
    const percent = percentOfBudget(alert, value);
    return percent ? `${percent} of ${budget}` : `${money(value)} (zero budget)`;
  };
  switch (alert.event) {
    case 'gap':
      return `no fresh ${noun} figure (monitoring gap)`;
    case 'recovered':
      return `${noun} figures flowing again (recovered)`;
    case 'back-under':
      return `forecast back under ${thresholdName(alert, display)}, now ${ofBudget(alert.observed)}`;
    case 'crossed':
      switch (alert.basis) {
        case 'actual':
          return `${formatPercent(alert.percent)} of ${budget} (actual)`;
        case 'forecast':
          return `forecast to reach ${ofBudget(alert.observed)}`;
        case 'pace':
          return `${formatPercent(alert.observed)} ahead of pace, ${formatPercent(alert.percent)} of ${budget} ${past}`;
        case 'anomaly':
          return `unusual day of ${money(alert.observed)} (anomaly)`;
        case 'gap':
          return `no fresh ${noun} figure (monitoring gap)`;
      }
  }
}

/** One sentence on what crossed, for the body of an email or Slack message. */
export function crossingSentence(alert: Alert, display: CurrencyDisplay = 'symbol'): string {
  const money = (value: string) => formatAmount(value, alert.unit, display);
  const { noun } = measureWords(alert);
  const gap = `No fresh ${noun} figure could be read: this budget is not being watched until one arrives.`;
  switch (alert.event) {
    case 'gap':
      return gap;
    case 'recovered':
      return `${capitalise(noun)} figures are being read again after a monitoring gap.`;
    case 'back-under':
      return `The period-end forecast (${money(alert.observed)}) fell back under ${thresholdPhrase(alert, display)}.`;
    case 'crossed':
      switch (alert.basis) {
        case 'actual':
          return `Actual ${noun} (${money(alert.observed)}) reached ${thresholdPhrase(alert, display)}.`;
        case 'forecast':
          return `The period-end forecast (${money(alert.observed)}) reached ${thresholdPhrase(alert, display)}.`;
        case 'pace':
          return `${capitalise(noun)} is ${formatPercent(alert.observed)} ahead of a straight-line burn, past the ${oneLine(alert.threshold)} pace threshold.`;
        case 'anomaly':
          return `One day's ${noun} (${money(alert.observed)}) is far above its usual level.`;
        case 'gap':
          return gap;
      }
  }
}

const capitalise = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** Whether the alert is about spend or usage moving (vs. the monitoring itself). */
export function isSpendEvent(alert: Alert): boolean {
  return (alert.event === 'crossed' || alert.event === 'back-under') && alert.basis !== 'gap';
}

export interface SinceLast {
  threshold: string;
  at: string;
  spentThen: string;
  /** "+¥7,160" or "-¥1,200 (figure revised down)". */
  change: string;
}

export function sinceLast(alert: Alert, display: CurrencyDisplay = 'symbol'): SinceLast | undefined {
  const last = alert.sinceLast;
  if (!last) return undefined;
  const delta = decimal(alert.spent).minus(decimal(last.spent));
  const amount = formatAmount(delta.abs().toFixed(), alert.unit, display);
  return {
    threshold: oneLine(last.threshold),
    at: last.at,
    spentThen: formatAmount(last.spent, alert.unit, display),
    change: delta.lt(0) ? `-${amount} (figure revised down)` : `+${amount}`,
  };
}

/** "¥40,512" plus how it was made: method and inputs as the engine wrote them. */
export function forecastParts(
  alert: Alert,
  display: CurrencyDisplay = 'symbol',
): { amount: string; method: string; inputs: string } | undefined {
  if (!alert.forecast) return undefined;
  const { amount, method, inputs } = alert.forecast;
  const percent = percentOfBudget(alert, amount);
  return {
    amount: `${formatAmount(amount, alert.unit, display)}${percent ? ` (${percent} of budget)` : ''} at period end`,
    method: oneLine(method),
    inputs: oneLine(inputs),
  };
}

const KIND_HEADING: Record<Contributor['kind'], string> = {
  service: 'Service',
  item: 'Item',
  resource: 'Resource',
  account: 'Account',
};

export interface ContributorTable {
  /** Heading and rows, columns aligned with spaces (name left, cost and share right). */
  lines: string[];
  /** Contributors not listed. */
  omitted: number;
}

/** The top contributors as a small aligned table, at most `maxRows` rows and `maxWidth` characters per line. */
export function contributorTable(
  alert: Alert,
  options: { maxRows: number; maxNameWidth: number; display?: CurrencyDisplay },
): ContributorTable {
  const listed = alert.contributors.slice(0, options.maxRows);
  const kinds = new Set(listed.map((c) => c.kind));
  const heading = kinds.size === 1 ? KIND_HEADING[listed[0]!.kind] : 'Contributor';
  const rows = listed.map((c) => {
    const tags = Object.entries(c.tags ?? {}).map(([key, value]) => `${key}=${value}`);
    const label = kinds.size === 1 ? c.name : `${c.name} (${c.kind})`;
    return {
      name: clip(oneLine(tags.length ? `${label} [${tags.join(', ')}]` : label), options.maxNameWidth),
      cost: formatAmount(c.cost, alert.unit, options.display),
      share: `${decimal(c.share).toFixed(1)}%`,
    };
  });
  const width = (values: string[]) => Math.max(...values.map((v) => Array.from(v).length));
  const nameWidth = width([heading, ...rows.map((r) => r.name)]);
  const costHeading = alert.measure === 'usage' ? 'Used' : 'Cost';
  const costWidth = width([costHeading, ...rows.map((r) => r.cost)]);
  const shareWidth = width(['Share', ...rows.map((r) => r.share)]);
  const line = (name: string, cost: string, share: string) =>
    `${padEnd(name, nameWidth)}  ${padStart(cost, costWidth)}  ${padStart(share, shareWidth)}`;
  return {
    lines: [line(heading, costHeading, 'Share'), ...rows.map((r) => line(r.name, r.cost, r.share))],
    omitted: alert.contributors.length - listed.length,
  };
}

const padEnd = (text: string, width: number) =>
  text + ' '.repeat(Math.max(0, width - Array.from(text).length));
const padStart = (text: string, width: number) =>
  ' '.repeat(Math.max(0, width - Array.from(text).length)) + text;
