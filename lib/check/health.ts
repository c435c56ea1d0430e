/**
 * Self-monitoring: when an account cannot be read for longer than the configured gap, people get
 * one "monitoring gap" alert naming the account and the last error, and one "recovered" notice when
 * data returns (the records: lib/state/account-health.ts).
 */
import { buildHealthAlert } from '../alerts/health-alert.ts';
import type { Config } from '../config/config.ts';
import { type DeliveryContext, deliver } from './deliver.ts';
import { budgetsReading } from './read-needs.ts';

/**
 * The health stage of a check: records each account read this run as healthy or failing, and delivers
 * the gap or recovered alert when that changes. Only with a tracker, and not on a dry run.
 */
export async function trackHealth(delivery: DeliveryContext, config: Config): Promise<void> {
  const { deps, options, report, now } = delivery;
  const { health } = deps;
  if (!health || options.dryRun) return;
  for (const outcome of report.accounts) {
    const { account } = outcome;
    // Not read this run: nothing new to say about its health.
    if (outcome.status === 'ok' && outcome.keptFrom) continue;
    try {
      const change =
        outcome.status === 'ok'
          ? await health.recordOk(account.id, now)
          : await health.recordFailure(
              account.id,
              outcome.status === 'pending'
                ? `data pending at ${outcome.endpoint}: ${outcome.reason}`
                : outcome.error.message,
              now,
              config.gapAfterHours * 3_600_000,
            );
      if (!change) continue;
      const budgets = budgetsReading(config, account.id).map((b) => b.name);
      await deliver(delivery, buildHealthAlert(change, account.provider, budgets, now));
    } catch (error) {
      deps.logger.error('account health could not be recorded', {
        account: account.id,
        error: (error as Error).message,
      });
    }
  }
}
