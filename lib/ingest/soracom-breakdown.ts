/**
 * Puts the billing-CSV breakdown into a Soracom snapshot: every SIM with its tags and total (the API
 * only lists the top 100), so per-SIM budgets, tag groups and top contributors see the whole fleet.
 */
import type { Account } from '../config/config.ts';
import { Money } from '../money/index.ts';
import type { SpendLine, SpendSnapshot } from '../snapshot/index.ts';
import type { ObjectStore } from '../state/store.ts';
import { monthlyPeriod, yyyymm } from '../time/period.ts';
import { latestSummary, type StoredSoracomSummary } from './soracom-summaries.ts';

/** Lines of the CSV summary: one per SIM (or other device), with its tags. */
export function summaryLines(summary: StoredSoracomSummary): SpendLine[] {
  return summary.subscribers.map((sim) => ({
    ResourceId: sim.id,
    ...(Object.keys(sim.tags).length > 0 && { Tags: sim.tags }),
    BilledCost: Money.of(sim.total, summary.currency),
  }));
}

/** The snapshot with the API's (top-100) SIM lines replaced by the CSV's complete ones. */
export function withCsvBreakdown(snapshot: SpendSnapshot, summary: StoredSoracomSummary): SpendSnapshot {
  return {
    ...snapshot,
    lines: [...snapshot.lines.filter((line) => !line.ResourceId), ...summaryLines(summary)],
    sources: [...snapshot.sources, `s3 ${summary.sourceKey}`],
  };
}

/** For the check: Soracom snapshots gain the latest CSV summary of their month, when there is one. */
export function soracomCsvEnricher(store: ObjectStore) {
  return async (account: Account, snapshot: SpendSnapshot): Promise<SpendSnapshot> => {
    if (account.provider !== 'soracom') return snapshot;
    const month = yyyymm(monthlyPeriod(snapshot.BillingPeriodStart, account.timeZone));
    const summary = await latestSummary(store, account.id, month);
    if (!summary || summary.currency !== snapshot.BillingCurrency) return snapshot;
    return withCsvBreakdown(snapshot, summary);
  };
}
