/**
 * Per-resource budgets (`each: resource`): every resource in scope (each SIM, each service) is held
 * to the budget on its own, over the period or each local day.
 */
import { type Decimal, decimal } from '../money/index.ts';
import { localDateKey } from '../time/zoned.ts';
import type { Budget, PerResource } from './budget.ts';
import type {
  AccountSpend,
  Crossing,
  LineValue,
  PendingThreshold,
  ResourceSeries,
  ResourceSpend,
} from './status.ts';

const CHARTED_RESOURCES = 3;

/**
 * The crossings of a per-resource budget (one per resource, and day, over each threshold), the
 * thresholds no resource reached, the largest resource's spend (0 without resources) and the daily
 * series of the largest resources, to chart.
 */
export function evaluatePerResource(
  budget: Budget,
  perResource: PerResource,
  perAccount: { lines: LineValue[]; account: AccountSpend }[],
  bill: Decimal,
): { crossings: Crossing[]; pending: PendingThreshold[]; largest: Decimal; series: ResourceSeries[] } {
  const ledgers = resourceLedgers(perAccount);
  const resources = resourceSpends(ledgers, perResource, bill);
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
  return {
    crossings,
    pending,
    largest: resources[0]?.value ?? decimal(0),
    series: chartedSeries(ledgers, perResource),
  };
}

/** One resource's spend in scope: in all, per local day (lines dated by their charge period), undated. */
interface ResourceLedger {
  id: string;
  name?: string;
  tags?: Record<string, string>;
  total: Decimal;
  days: Map<string, Decimal>;
  undated: Decimal;
}

function resourceLedgers(perAccount: { lines: LineValue[]; account: AccountSpend }[]): ResourceLedger[] {
  const ledgers = new Map<string, ResourceLedger>();
  for (const { lines, account } of perAccount) {
    for (const { line, value } of lines) {
      if (!line.ResourceId) continue;
      let ledger = ledgers.get(line.ResourceId);
      if (!ledger) {
        ledger = {
          id: line.ResourceId,
          name: line.ResourceName,
          tags: line.Tags,
          total: decimal(0),
          days: new Map(),
          undated: decimal(0),
        };
        ledgers.set(line.ResourceId, ledger);
      }
      ledger.total = ledger.total.plus(value);
      if (line.ChargePeriodStart) {
        const date = localDateKey(line.ChargePeriodStart, account.timeZone);
        ledger.days.set(date, (ledger.days.get(date) ?? decimal(0)).plus(value));
      } else {
        ledger.undated = ledger.undated.plus(value);
      }
    }
  }
  return [...ledgers.values()];
}

/** Each resource's spend held against the budget (per day for daily windows), largest first. */
function resourceSpends(ledgers: ResourceLedger[], perResource: PerResource, bill: Decimal): ResourceSpend[] {
  const spends = ledgers.flatMap(({ id, name, tags, total, days }): Omit<ResourceSpend, 'shareOfBill'>[] =>
    perResource.window === 'day'
      ? [...days].map(([date, value]) => ({ id, name, tags, date, value }))
      : [{ id, name, tags, date: undefined, value: total }],
  );
  return spends
    .sort((a, b) => b.value.cmp(a.value))
    .map((r) => ({ ...r, shareOfBill: bill.eq(0) ? '0.0' : r.value.div(bill).times(100).toFixed(1) }));
}

/** The resources nearest (or past) the line, each with its days in date order. */
function chartedSeries(ledgers: ResourceLedger[], perResource: PerResource): ResourceSeries[] {
  const held = (ledger: ResourceLedger) =>
    perResource.window === 'day'
      ? [...ledger.days.values()].reduce((max, v) => (v.gt(max) ? v : max), decimal(0))
      : ledger.total;
  return ledgers
    .map((ledger) => ({ ledger, value: held(ledger) }))
    .sort((a, b) => b.value.cmp(a.value))
    .slice(0, CHARTED_RESOURCES)
    .map(({ ledger, value }) => ({
      id: ledger.id,
      ...(ledger.name && { name: ledger.name }),
      value,
      days: [...ledger.days]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([date, amount]) => ({ date, amount })),
      undated: ledger.undated,
    }));
}

/** Resource ids become part of alert-state keys: keep letters, digits, "-" and "_". */
function keySafe(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}
