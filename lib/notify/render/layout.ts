/**
 * Layout shared by every rendering of an alert (SNS subject, email text, Slack): clipping, instants,
 * durations and the contributors table. What the alert says is worded in lib/alerts/wording.ts.
 */
import type { Alert } from '../../alerts/alert.ts';
import { type CurrencyDisplay, formatAmount, formatLocal } from '../../alerts/format.ts';
import { measureWords } from '../../alerts/wording.ts';
import type { Contributor } from '../../budgets/status.ts';
import { decimal } from '../../money/index.ts';
import { oneLine } from '../../text/one-line.ts';

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
  const costHeading = measureWords(alert).column;
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
