/**
 * The check's last stage: each alert claimed in the ledger, published, and recorded, so that it goes
 * out once; and the alerts that come from the ledger rather than from this run's evaluation (a
 * forecast back under a threshold it crossed, a claim an earlier run left unsent).
 */
import type { Alert } from '../alerts/alert.ts';
import { buildAlert } from '../alerts/build.ts';
import { type Budget, MONITORING_BUDGET } from '../budgets/budget.ts';
import type { BudgetStatus } from '../budgets/evaluate.ts';
import type { Account } from '../config/config.ts';
import { type AlertLedger, type Claim, DEFAULT_LEASE_MS } from '../state/ledger.ts';
import { errorMessage } from './error-message.ts';
import type { CheckContext, CheckDependencies, CheckReport } from './types.ts';

/** What a delivery stage works with: the check's context and the report it adds its alerts to. */
export interface DeliveryContext extends CheckContext {
  report: CheckReport;
}

/**
 * One notice per period when a forecast that crossed a threshold (and was alerted) falls back under it.
 * Only with a ledger (it knows what was alerted) and for budgets with `notifyBackUnder`.
 */
export async function backUnder(delivery: DeliveryContext, evaluation: BudgetStatus): Promise<void> {
  const { deps } = delivery;
  if (!deps.ledger || !evaluation.budget.notifyBackUnder) return;
  try {
    await deliverBackUnder(delivery, deps.ledger, evaluation);
  } catch (error) {
    // The notice is evaluated again next run: nothing is lost by skipping it now.
    deps.logger.error('back-under state could not be read; checked again next run', {
      budget: evaluation.budget.name,
      error: errorMessage(error),
    });
  }
}

async function deliverBackUnder(
  delivery: DeliveryContext,
  ledger: AlertLedger,
  evaluation: BudgetStatus,
): Promise<void> {
  const forecast = evaluation.forecast;
  if (!forecast || evaluation.stale) return;
  for (const threshold of evaluation.pending.filter((t) => t.basis === 'forecast')) {
    const key = ledger.keyFor({
      budget: evaluation.budget.name,
      periodKey: evaluation.periodKey,
      thresholdId: threshold.id,
    });
    const entry = await ledger.record(key);
    if (!entry?.valid || entry.record.status !== 'sent') continue;
    const crossing = {
      id: threshold.id,
      written: threshold.written,
      basis: 'forecast' as const,
      severity: 'info' as const,
      observed: forecast.amount,
    };
    await deliver(delivery, buildAlert(evaluation, crossing, delivery.now, 'back-under'));
  }
}

/**
 * Delivers the alerts earlier runs claimed and never sent (they died, or their publish failed), from
 * their records: re-evaluating is not enough, since the crossing may no longer show (a late correction,
 * a new month, a monitoring gap raised once). Runs after the budgets: a crossing still seen was just
 * re-claimed and delivered with fresh figures, and is skipped here as sent. Not on a dry run.
 */
export async function retryAbandoned(
  delivery: DeliveryContext,
  budgets: Budget[],
  accounts: Account[],
): Promise<void> {
  const { deps, options, report, now } = delivery;
  const { ledger } = deps;
  if (!ledger || options.dryRun) return;
  const attempted = new Set(
    [...report.delivered, ...report.failed.map((f) => f.alert)].map((a) => a.dedupKey),
  );
  const scans: [string, Parameters<AlertLedger['abandoned']>[2]][] = [
    // This period and the one before it: a claim left at a month's end is retried in the next.
    ...budgets.map((b): [string, { periods: number }] => [b.name, { periods: 2 }]),
    [MONITORING_BUDGET, { periodKeys: accounts.map((a) => a.id) }],
  ];
  // Read in parallel (a list and a few reads per budget), deliver one by one as everywhere else.
  const found = await Promise.all(
    scans.map(([budget, within]) =>
      ledger.abandoned(budget, now, within).catch((error: unknown) => {
        deps.logger.error('abandoned alert claims could not be read; looked for again next run', {
          budget,
          error: errorMessage(error),
        });
        return [];
      }),
    ),
  );
  for (const alert of found.flat()) {
    if (attempted.has(alert.dedupKey)) continue;
    deps.logger.warn('retrying an alert an earlier run claimed but never sent', { dedupKey: alert.dedupKey });
    await deliver(delivery, alert);
  }
}

/**
 * Claims, publishes and records one alert. Never throws: a state or publish failure is logged and
 * reported as failed, and the next run retries, so one broken alert cannot stop the rest of the run.
 */
export async function deliver(delivery: DeliveryContext, alert: Alert): Promise<void> {
  const { deps, options, report } = delivery;
  if (options.reportLink) {
    // An alert retried from an earlier run's claim carries that run's (expired) link: replace it.
    alert.details = alert.details.filter((line) => !line.startsWith('Burn-up report'));
    alert.details.push(
      `Burn-up report (link valid ${options.reportLink.validForHours} h): ${options.reportLink.url}`,
    );
  }
  if (options.dryRun) {
    report.suppressed.push({ alert, reason: 'dry-run' });
    return;
  }
  const { ledger, logger } = deps;
  const log = { dedupKey: alert.dedupKey, budget: alert.budget };
  let claim: Extract<Claim, { outcome: 'claimed' }> | undefined;
  if (ledger) {
    try {
      const previous = await ledger.lastSent(alert.budget, alert.periodKey);
      if (previous)
        alert.sinceLast = { threshold: previous.threshold, spent: previous.spent, at: previous.detectedAt };
    } catch (error) {
      // Only the "since the last alert" line depends on it: deliver without.
      logger.warn('previous alert could not be read; delivering without it', {
        ...log,
        error: errorMessage(error),
      });
    }
    try {
      const outcome = await ledger.claim(alert, deps.clock.now(), options.leaseMs ?? DEFAULT_LEASE_MS);
      if (outcome.outcome !== 'claimed') {
        report.suppressed.push({ alert, reason: outcome.outcome });
        return;
      }
      claim = outcome;
    } catch (error) {
      logger.error('alert state could not be claimed; not sent now, retried next run', {
        ...log,
        error: errorMessage(error),
      });
      report.failed.push({ alert, error: error as Error });
      return;
    }
  }
  let messageId: string;
  try {
    ({ messageId } = await deps.publisher.publish(alert));
  } catch (error) {
    logger.error('alert publish failed; it stays pending and is retried next run', {
      ...log,
      error: errorMessage(error),
    });
    report.failed.push({ alert, error: error as Error });
    if (claim) await settle(() => ledger!.releaseForRetry(claim, deps.clock.now()), deps, log, 'released');
    return;
  }
  report.delivered.push(alert);
  logger.info('alert delivered', { ...log, severity: alert.severity, messageId });
  if (claim) await settle(() => ledger!.markSent(claim, deps.clock.now()), deps, log, 'recorded as sent');
}

/**
 * Records what happened to a claim. When that fails the claim stays pending: its lease runs out and
 * a later run delivers it (again, for a sent one: the accepted duplicate, same dedupKey).
 */
async function settle(
  update: () => Promise<boolean>,
  deps: CheckDependencies,
  log: Record<string, string>,
  what: 'recorded as sent' | 'released',
): Promise<void> {
  const consequence =
    what === 'recorded as sent'
      ? 'it may go out once more (same dedupKey) after its lease'
      : 'it is retried once its lease runs out';
  try {
    if (!(await update())) {
      deps.logger.warn(`alert claim taken over by another run before it was ${what}; ${consequence}`, log);
    }
  } catch (error) {
    const outcome = what === 'recorded as sent' ? 'delivered but could not be' : 'could not be';
    deps.logger.error(`alert ${outcome} ${what}; ${consequence}`, { ...log, error: errorMessage(error) });
  }
}
