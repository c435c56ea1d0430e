/**
 * Whole units for Kill Bill 0.22, which keeps a usage amount as a whole number (a Long) and drops its
 * fraction: 12.5 would be recorded as 12, up to a unit lost per record, every day.
 *
 * Chargeback could refuse fractional amounts instead, but the unit is priced per yen (or dollar, euro)
 * and a day's cost is fractional whenever a unit price is: refusing would leave 0.22 servers without
 * chargeback. So each day records round-half-even(the month's amounts through the day) minus the same
 * through the day before: a day's remainder carries into the next, the month's records add up to its
 * total rounded once, and the amounts follow from the export alone, with no state kept, so a retry or
 * a re-run sends the same amounts under the same trackingIds.
 */
import Big from 'big.js';
import { type Decimal, decimal } from '../money/index.ts';
import type { SoracomCsvSubscriber } from '../providers/soracom/billing-csv/parser/index.ts';

const roundHalfEven = (value: Decimal) => value.round(0, Big.roundHalfEven);

/** The whole units to record for a day of `amount`, after days whose amounts sum to `before`. */
export function wholeUnitsOfDay(before: Decimal, amount: string): Decimal {
  return roundHalfEven(before.plus(amount)).minus(roundHalfEven(before));
}

/**
 * What the device's records of `item` add up to before `date` in the month, as amounts (chargeback
 * records positive ones only): the days before those parsed (`itemCarry`, from chargeback's first day of
 * the month), then the parsed days before `date`.
 */
export function recordedBefore(
  device: Pick<SoracomCsvSubscriber, 'itemCarry' | 'itemDays'>,
  date: string,
  item: string,
): Decimal {
  let total = decimal(device.itemCarry?.[item] ?? 0);
  for (const [day, items] of Object.entries(device.itemDays ?? {})) {
    const amount = items[item];
    if (day < date && amount !== undefined && decimal(amount).gt(0)) total = total.plus(amount);
  }
  return total;
}
