/**
 * The monitoring alerts about an account rather than a budget: a gap opened (the account could not be
 * read for longer than `gapAfterHours`) or closed.
 */
import { MONITORING_BUDGET } from '../budgets/budget.ts';
import type { Alert } from './alert.ts';
import { type MonitoringChange, monitoringDetails, monitoringHeadline } from './wording.ts';

/** The alert for an opened or closed monitoring gap on one account. */
export function buildHealthAlert(
  change: MonitoringChange,
  provider: string,
  budgets: string[],
  now: Date,
): Alert {
  const { health } = change;
  const since = health.failingSince ?? now.toISOString();
  const hours = ((now.getTime() - Date.parse(since)) / 3_600_000).toFixed(1);
  const gap = change.kind === 'gap';
  return {
    version: 1,
    dedupKey: `${MONITORING_BUDGET}/${health.account}/${since}/${change.kind}`,
    event: gap ? 'gap' : 'recovered',
    // Monitoring alerts are about an account, not a budget: they live under a reserved budget name.
    budget: MONITORING_BUDGET,
    account: health.account,
    accounts: [health.account],
    provider,
    threshold: 'gap',
    thresholdId: `${change.kind}-${since.replace(/[^0-9TZ]/g, '')}`,
    basis: 'gap',
    severity: gap ? 'critical' : 'info',
    measure: 'cost',
    unit: '',
    spent: '',
    budgetAmount: '',
    percent: '',
    observed: hours,
    periodKey: health.account,
    periodStart: since,
    periodEnd: now.toISOString(),
    // The last figure read is from before the streak began; a recovery's is from now.
    asOf: gap ? since : (health.okSince ?? now.toISOString()),
    detectedAt: now.toISOString(),
    contributors: [],
    headline: monitoringHeadline(change, provider, hours),
    details: monitoringDetails(change, since, budgets),
  };
}
