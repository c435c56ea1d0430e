/**
 * Per-resource budgets (`each: resource`): every resource in scope (each SIM, each service) is held
 * to the budget on its own, over the period or each local day.
 */
import { type Decimal, decimal } from '../money/index.ts';
import { localDateKey } from '../time/zoned.ts';
import type { Budget, PerResource } from './budget.ts';
import type { AccountSpend, Crossing, LineValue, PendingThreshold, ResourceSpend } from './status.ts';

/**
 * The crossings of a per-resource budget (one per resource, and day, over each threshold), the
 * thresholds no resource reached, and the largest resource's spend (0 without resources).
 */
export function evaluatePerResource(
  budget: Budget,
  perResource: PerResource,
  perAccount: { lines: LineValue[]; account: AccountSpend }[],
  bill: Decimal,
): { crossings: Crossing[]; pending: PendingThreshold[]; largest: Decimal } {
  const resources = resourceSpends(perAccount, perResource, bill);
  const crossings: Crossing[] = [];
  const pending: PendingThreshold[] = [];
  for (const threshold of budget.thresholds) {
    const crossed = resources.filter((r) => r.value.gte(threshold.level));
    for (const resource of crossed) {
      crossings.push({
        id: `${threshold.id}.${keySafe(resource.id)}${resource.date ? `.${resource.date}` : ''}`,
        written: threshold.written,
        basis: 'actual',
        severity: threshold.severity,
        observed: resource.value,
        resource,
      });
    }
    if (crossed.length === 0)
      pending.push({
        id: threshold.id,
        written: threshold.written,
        basis: 'actual',
        level: threshold.level,
      });
  }
  pending.sort((a, b) => a.level.cmp(b.level));
  return { crossings, pending, largest: resources[0]?.value ?? decimal(0) };
}

/** Each resource's spend in scope (per day for daily windows), largest first. */
function resourceSpends(
  perAccount: { lines: LineValue[]; account: AccountSpend }[],
  perResource: PerResource,
  bill: Decimal,
): ResourceSpend[] {
  const totals = new Map<string, Omit<ResourceSpend, 'shareOfBill'>>();
  for (const { lines, account } of perAccount) {
    for (const { line, value } of lines) {
      if (!line.ResourceId) continue;
      const date =
        perResource.window === 'day' && line.ChargePeriodStart
          ? localDateKey(line.ChargePeriodStart, account.timeZone)
          : undefined;
      if (perResource.window === 'day' && !date) continue;
      const key = `${line.ResourceId}\u0000${date ?? ''}`;
      const entry = totals.get(key);
      if (entry) entry.value = entry.value.plus(value);
      else totals.set(key, { id: line.ResourceId, name: line.ResourceName, tags: line.Tags, date, value });
    }
  }
  return [...totals.values()]
    .sort((a, b) => b.value.cmp(a.value))
    .map((r) => ({ ...r, shareOfBill: bill.eq(0) ? '0.0' : r.value.div(bill).times(100).toFixed(1) }));
}

/** Resource ids become part of alert-state keys: keep letters, digits, "-" and "_". */
function keySafe(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}
