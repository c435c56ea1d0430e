/**
 * What a check run reports for dashboards and alarms. The Lambda writes these as CloudWatch embedded
 * metrics (lib/observability/emf.ts); the CLI and tests use the no-op default. Values are plain numbers
 * because metrics are approximate by nature: they are never summed into money.
 */
import type { ReadPart } from '../spend/index.ts';

export interface CheckMetrics {
  /** Once per evaluated budget: spend (or usage) so far in its currency or unit, and percent of budget. */
  budgetEvaluated(budget: { name: string; spent: number; percentOfBudget: number }): void;
  /** Once per account that could not be read (an error, not data pending). */
  providerError(account: { provider: string; account: string }): void;
  /** Once per part a side call could not bring (the account was read, its reading is partial). */
  partialReading(account: { provider: string; account: string; part: ReadPart }): void;
  /** Once per guardrail action that failed (carried out, or undone), whatever ran it: the alarm's metric. */
  actionFailed(action: { kind: string }): void;
  /** Once per run, after every budget was evaluated and every alert delivered or not. */
  checkFinished(run: CheckRunMetrics): void;
}

interface CheckRunMetrics {
  durationMs: number;
  accounts: number;
  /** Accounts not read this run (an error or data still pending): budgets that were not checked. */
  monitoringGaps: number;
  /** Budgets that could not be evaluated from the readings they had (each also raised a broken-budget alert). */
  budgetsBroken: number;
  alertsDelivered: number;
  publishFailures: number;
}

export const noCheckMetrics: CheckMetrics = {
  budgetEvaluated() {},
  providerError() {},
  partialReading() {},
  actionFailed() {},
  checkFinished() {},
};
