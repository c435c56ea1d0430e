/**
 * The alert for a budget that cannot be evaluated: its currency has no rate to the account's, its
 * scope matches nothing the reading holds... Without it such a budget would be silent forever, no
 * threshold able to fire. Keyed per budget and period, so the ledger sends it once per period.
 */
import type { Budget } from '../budgets/budget.ts';
import type { Alert } from './alert.ts';
import { brokenDetails, brokenHeadline } from './wording.ts';

export function buildBrokenBudgetAlert(
  budget: Budget,
  period: { key: string; start: Date; end: Date },
  providers: string[],
  reason: string,
  now: Date,
): Alert {
  return {
    version: 1,
    dedupKey: `${budget.name}/${period.key}/broken`,
    event: 'broken',
    budget: budget.name,
    account: budget.accountIds.join(','),
    accounts: budget.accountIds,
    provider: [...new Set(providers)].join(','),
    threshold: 'broken',
    thresholdId: 'broken',
    // No figure was measured: the alert is about the monitoring, like a gap.
    basis: 'gap',
    severity: 'critical',
    measure: budget.measure,
    ...(budget.measure === 'cost' && { currency: budget.measureUnit }),
    unit: budget.measureUnit,
    spent: '',
    budgetAmount: budget.amount.toFixed(),
    percent: '',
    observed: '',
    periodKey: period.key,
    periodStart: period.start.toISOString(),
    periodEnd: period.end.toISOString(),
    asOf: now.toISOString(),
    detectedAt: now.toISOString(),
    contributors: [],
    headline: brokenHeadline(budget.name, reason),
    details: brokenDetails(budget.accountIds),
  };
}
