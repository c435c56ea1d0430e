import { type Decimal, decimal, isCurrencyCode, Money } from '../money/index.ts';

/**
 * "¥31,250", "$1,234.50" for currencies ("JPY 31,250" with `display: 'code'`, for ASCII-only places);
 * "12,345,678 api-calls" for usage units.
 */
export function formatAmount(
  value: Decimal | string,
  unit: string,
  display: 'symbol' | 'code' = 'symbol',
  locale = 'en-US',
): string {
  const amount = decimal(value);
  if (isCurrencyCode(unit)) return Money.of(amount, unit).format(locale, display);
  const grouped = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(
    amount.toFixed(2) as unknown as number,
  );
  return `${grouped} ${unit}`;
}

/** "104.2%" from a decimal percent. */
export function formatPercent(value: Decimal | string): string {
  return `${decimal(value).toFixed(1)}%`;
}

/** "2026-11-30" / "Nov 30 13:00 JST"-style local rendering of an instant. */
export function formatLocal(instant: Date, timeZone: string, locale = 'en-US'): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(instant);
}
