/**
 * Per-resource budgets (`each: resource`): every resource in scope (each SIM, each service, each Kill
 * Bill customer) is held to the budget on its own, over the period or each local day, and to its own
 * amount where the config or one of its tags gives one.
 */
import { type Decimal, decimal, isDecimalText } from '../money/index.ts';
import { localDateKey } from '../time/zoned.ts';
import { type Budget, BudgetEvaluationError, type PerResource, type Threshold } from './budget.ts';
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
 * thresholds no resource reached, the resource nearest (or furthest past) its own amount, and the
 * daily series of the largest resources, to chart.
 */
export function evaluatePerResource(
  budget: Budget,
  perResource: PerResource,
  perAccount: { lines: LineValue[]; account: AccountSpend }[],
  bill: Decimal,
): {
  crossings: Crossing[];
  pending: PendingThreshold[];
  largest?: ResourceSpend;
  series: ResourceSeries[];
} {
  const ledgers = resourceLedgers(perAccount);
  const resources = resourceSpends(ledgers, perResource, bill).map((r) => ({
    ...r,
    ...ownAmount(budget, perResource, r),
  }));
  const crossings: Crossing[] = [];
  const pending: PendingThreshold[] = [];
  for (const threshold of budget.thresholds) {
    const crossed = resources.filter((r) => r.value.gte(levelFor(threshold, r.amount)));
    for (const resource of crossed) {
      crossings.push({
        id: `${threshold.id}.${keySafe(resource.id)}${resource.date ? `.${resource.date}` : ''}`,
        written: threshold.written,
        basis: 'actual',
        severity: threshold.severity,
        observed: resource.value,
        resource,
        threshold,
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
  const share = (r: ResourceSpend) => r.value.div(r.amount);
  const largest = resources.reduce<ResourceSpend | undefined>(
    (top, r) => (!top || share(r).gt(share(top)) ? r : top),
    undefined,
  );
  return { crossings, pending, largest, series: chartedSeries(ledgers, perResource) };
}

/** A threshold's level for one resource: a percent of the resource's own amount, or the amount written. */
function levelFor(threshold: Threshold, amount: Decimal): Decimal {
  return threshold.percent === undefined ? threshold.level : amount.times(threshold.percent).div(100);
}

/**
 * The amount a resource is held to: the config's for it, else its tag's, else the budget's. A tag
 * that is there but holds no amount above zero is a mistake the budget cannot guess around: held to
 * the budget's amount, the resource could be warned far too early or never.
 */
function ownAmount(
  budget: Budget,
  perResource: PerResource,
  resource: Pick<ResourceSpend, 'id' | 'name' | 'tags'>,
): Pick<ResourceSpend, 'amount' | 'amountFrom'> {
  const configured = perResource.amounts?.get(resource.id);
  if (configured) return { amount: configured, amountFrom: 'config' };
  const tag = perResource.amountTag;
  const written = tag ? resource.tags?.[tag]?.trim() : undefined;
  if (!written) return { amount: budget.amount, amountFrom: 'budget' };
  if (!isDecimalText(written) || decimal(written).lte(0)) {
    const who = resource.name ? `${resource.name} (${resource.id})` : resource.id;
    throw new BudgetEvaluationError(
      budget.name,
      `${who} has ${tag} "${written}", which is not an amount above zero; write digits with an optional "." such as 2000 or 1500.50, in ${budget.measureUnit}, or remove it to hold ${resource.id} to the budget's amount`,
    );
  }
  return { amount: decimal(written), amountFrom: 'tag' };
}

/** One resource's spend in scope: in all, per local day (lines dated by their charge period), undated. */
interface ResourceLedger {
  id: string;
  name?: string;
  type?: string;
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
          type: line.ResourceType,
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

type SummedResource = Omit<ResourceSpend, 'shareOfBill' | 'amount' | 'amountFrom'>;

/** Each resource's spend held against the budget (per day for daily windows), largest first. */
function resourceSpends(
  ledgers: ResourceLedger[],
  perResource: PerResource,
  bill: Decimal,
): (SummedResource & Pick<ResourceSpend, 'shareOfBill'>)[] {
  const spends = ledgers.flatMap(({ id, name, type, tags, total, days }): SummedResource[] =>
    perResource.window === 'day'
      ? [...days].map(([date, value]) => ({ id, name, type, tags, date, value }))
      : [{ id, name, type, tags, date: undefined, value: total }],
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
