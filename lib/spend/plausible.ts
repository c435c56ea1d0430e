/**
 * What no bill can be: a figure that passed its provider's schema yet cannot be spend. Such a
 * reading is refused as a read error (the account's monitoring gap shows it) instead of being alerted
 * on as "$∞" or evaluated as a negative month.
 */
import { decimal } from '../money/index.ts';
import type { PeriodSpend } from './spend.ts';

/** Far above any organisation's monthly bill in any currency's unit; beyond it a figure is a fault. */
const SANITY_BOUND = decimal('1e12');

/** Why `spend` cannot be a bill, naming the field and its value; undefined when it can. */
export function implausibleSpend(spend: PeriodSpend): string | undefined {
  const total = spend.BilledCost;
  if (total?.amount.lt(0))
    return `BilledCost ${total.toString()} is negative for the period (credits may make lines negative, never the period's total)`;
  if (total?.amount.abs().gt(SANITY_BOUND))
    return `BilledCost ${abbreviated(total.amount.toFixed())} ${total.currency} is beyond 10^12, no bill's size`;
  const day = spend.daily?.find((d) => d.BilledCost.amount.abs().gt(SANITY_BOUND));
  if (day)
    return `the daily cost of ${day.date}, ${abbreviated(day.BilledCost.amount.toFixed())} ${day.BilledCost.currency}, is beyond 10^12`;
  return undefined;
}

function abbreviated(digits: string): string {
  return digits.length > 24 ? `${digits.slice(0, 12)}…(${digits.length} digits)` : digits;
}
