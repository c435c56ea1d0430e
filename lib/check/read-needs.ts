import type { Config } from '../config/config.ts';
import type { ReadNeeds } from '../providers/types.ts';

/**
 * Which data the budgets of an account need, so each endpoint is fetched once for all of them (the
 * check) and per-SIM days are kept only when a budget reads them (the billing-CSV ingest).
 */
export function readNeedsOf(config: Config, accountId: string): ReadNeeds {
  const budgets = config.budgets.filter((b) => b.accountIds.includes(accountId));
  return {
    daily: budgets.some((b) => b.anomaly || b.thresholds.some((t) => t.basis !== 'actual')),
    // Every alert names its top contributors.
    breakdown: budgets.length > 0,
    usage: budgets.some((b) => b.measure === 'usage'),
    resourceDays: budgets.some((b) => b.perResource?.window === 'day'),
  };
}
