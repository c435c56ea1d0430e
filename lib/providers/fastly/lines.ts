/** Spend lines from Fastly's invoice line items and usage metrics. */
import { type Decimal, Money } from '../../money/index.ts';
import type { SpendLine } from '../../spend/index.ts';
import { chargeMonth } from './months.ts';
import type { LineItem, UsageMetric } from './schemas.ts';

export function cost(amount: Decimal | undefined, currency: string): Money | undefined {
  return amount === undefined ? undefined : Money.of(amount, currency);
}

/** A month-to-date or closed invoice's line item (Mtdlineitems, Invoicelineitems). */
export function lineItem(item: LineItem, currency: string): SpendLine {
  return {
    ServiceName: item.product_name,
    ChargeDescription: item.description,
    RegionName: item.region,
    ConsumedQuantity: item.units,
    ConsumedUnit: item.usage_type,
    BilledCost: cost(item.amount, currency),
  };
}

/** A usage type's quantity in one month, or the part of it `quantity` says (one service's, say). */
export function usageLine(metric: UsageMetric, quantity = metric.quantity): SpendLine {
  return {
    ServiceName: metric.product_id,
    // The name as on the invoice; a metric without one is named by its usage type's identifier.
    ChargeDescription: metric.name ?? metric.usage_type,
    RegionName: metric.region,
    ...chargeMonth(metric.month),
    ConsumedQuantity: quantity,
    ConsumedUnit: metric.unit,
  };
}
