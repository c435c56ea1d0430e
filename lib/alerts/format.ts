import { cachedFormat } from '../intl/formats.ts';
import { type Decimal, decimal, isCurrencyCode, Money } from '../money/index.ts';

/** "symbol": "¥31,260" for bodies; "code": "JPY 31,260" where only ASCII may go (subjects). */
export type CurrencyDisplay = 'symbol' | 'code';

/**
 * "¥31,250", "$1,234.50" for currencies ("JPY 31,250" with `display: 'code'`, for ASCII-only places);
 * "12,345,678 api-calls" for usage units.
 */
export function formatAmount(
  value: Decimal | string,
  unit: string,
  display: CurrencyDisplay = 'symbol',
  locale = 'en-US',
): string {
  const amount = decimal(value);
  if (isCurrencyCode(unit)) return Money.of(amount, unit).format(locale, display);
  // A decimal string, so Intl groups the exact digits (see Money.format).
  const grouped = numberFormat(locale, 'usage', { maximumFractionDigits: 2 }).format(
    amount.toFixed(2) as Intl.StringNumericLiteral,
  );
  return `${grouped} ${unit}`;
}

function numberFormat(locale: string, use: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return cachedFormat(`${use} ${locale}`, () => new Intl.NumberFormat(locale, options));
}

/**
 * "¥30K", "9.8M api-calls": a figure to one decimal of its thousands or millions, where a glance is
 * enough and the room is short (chart axes, a narrow terminal). Decimals go in as exact text. An
 * axis, whose unit is said once elsewhere, omits a usage unit.
 */
export function formatCompact(
  value: Decimal | number,
  unit: string,
  usageUnit: 'shown' | 'omitted' = 'shown',
): string {
  const options: Intl.NumberFormatOptions = {
    notation: 'compact',
    minimumFractionDigits: 0,
    maximumFractionDigits: 1,
  };
  const figure = (typeof value === 'number' ? value : value.toFixed()) as Intl.StringNumericLiteral;
  return isCurrencyCode(unit)
    ? numberFormat('en-US', `compact ${unit}`, { ...options, style: 'currency', currency: unit }).format(
        figure,
      )
    : `${numberFormat('en-US', 'compact', options).format(figure)}${usageUnit === 'shown' ? ` ${unit}` : ''}`;
}

/** "104.2%" from a decimal percent. */
export function formatPercent(value: Decimal | string): string {
  return `${decimal(value).toFixed(1)}%`;
}

/**
 * An instant in a time zone, for people: "Nov 30, 13:00 GMT+9" (`short`, where the year is
 * obvious), "Mon, Nov 30, 2026, 13:00 GMT+9" (`long`).
 */
export function formatLocal(instant: Date, timeZone: string, style: 'short' | 'long' = 'short'): string {
  const format = cachedFormat(
    `local time ${timeZone} ${style}`,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        ...(style === 'long' && { weekday: 'short', year: 'numeric' }),
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'short',
      }),
  );
  return format.format(instant);
}
