import type { Budget } from '../budgets/budget.ts';
import { groupBy } from '../collections/group-by.ts';
import type { Config } from '../config/config.ts';
import type { ReadNeeds } from '../providers/types.ts';

const byAccount = new WeakMap<Config, Map<string, Budget[]>>();

/** The budgets that read `accountId`, from an index built once per config (not a scan per account). */
export function budgetsReading(config: Config, accountId: string): Budget[] {
  let index = byAccount.get(config);
  if (!index) {
    index = groupBy(config.budgets, (budget) => budget.accountIds);
    byAccount.set(config, index);
  }
  return index.get(accountId) ?? [];
}

/**
 * Which data the budgets of an account need, so each endpoint is fetched once for all of them (the
 * check) and per-SIM days are kept only when a budget reads them (the billing-CSV ingest).
 */
export function readNeedsOf(config: Config, accountId: string): ReadNeeds {
  const budgets = budgetsReading(config, accountId);
  return {
    daily: budgets.some((b) => b.anomaly || b.thresholds.some((t) => t.basis !== 'actual')),
    // Every alert names its top contributors.
    breakdown: budgets.length > 0,
    usage: budgets.some((b) => b.measure === 'usage'),
    resourceDays: budgets.some((b) => b.perResource?.window === 'day'),
    cost: budgets.some((b) => b.measure === 'cost'),
    tags: [
      ...new Set(
        budgets.flatMap((b) => [
          ...Object.keys(b.scope.tags ?? {}),
          ...(b.perResource?.amountTag ? [b.perResource.amountTag] : []),
        ]),
      ),
    ],
  };
}
