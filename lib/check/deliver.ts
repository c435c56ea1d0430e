/**
 * The check's last stage: each alert claimed in the ledger, published, and recorded, so that it goes
 * out once; and the alerts that come from the ledger rather than from this run's evaluation (a
 * forecast back under a threshold it crossed, a claim an earlier run left unsent).
 */
import { type GuardrailRun, previewActions, proposedOnly } from '../actions/guardrails.ts';
import type { Alert } from '../alerts/alert.ts';
import { buildAlert } from '../alerts/build.ts';
import { reportLinkLine } from '../alerts/wording.ts';
import { type Budget, MONITORING_BUDGET } from '../budgets/budget.ts';
import type { BudgetStatus } from '../budgets/status.ts';
import type { Account } from '../config/config.ts';
import { type AlertLedger, type ClaimToken, DEFAULT_LEASE_MS } from '../state/ledger.ts';
import { errorMessage } from './error-message.ts';
import type { CheckContext, CheckReport } from './types.ts';

/** What a delivery stage works with: the check's context and the report it adds its alerts to. */
export interface DeliveryContext extends CheckContext {
  report: CheckReport;
  /** Automatic actions this run has taken so far (guardrails.maxPerRun). */
  guardrailRun: GuardrailRun;
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
  const budgetNames = new Set(budgets.map((b) => b.name));
  const accountIds = new Set(accounts.map((a) => a.id));
  // This run's budgets, and the monitoring alerts of its accounts (their period key is the account).
  const inScope = (alert: Pick<Alert, 'budget' | 'periodKey'>) =>
    alert.budget === MONITORING_BUDGET ? accountIds.has(alert.periodKey) : budgetNames.has(alert.budget);
  const found = await ledger.abandoned(now, inScope).catch((error: unknown) => {
    deps.logger.error('abandoned alert claims could not be read; looked for again next run', {
      error: errorMessage(error),
    });
    return { retry: [], givenUp: [] };
  });
  for (const alert of found.givenUp) {
    deps.logger.warn('an alert claimed but never sent is too old to send now; given up', {
      dedupKey: alert.dedupKey,
      detectedAt: alert.detectedAt,
    });
  }
  for (const alert of found.retry) {
    if (attempted.has(alert.dedupKey)) continue;
    deps.logger.warn('retrying an alert an earlier run claimed but never sent', { dedupKey: alert.dedupKey });
    await deliver(delivery, alert);
  }
}

/**
 * Claims, publishes and records one alert. Never throws: a state or publish failure is logged and
 * reported as failed, and the next run retries, so one broken alert cannot stop the rest of the run.
 *
 * The ledger keeps the alert as built; what is published (and reported) is a copy with this run's
 * "since the last alert" figure and report link, so a retry goes out with the retrying run's link.
 */
export async function deliver(delivery: DeliveryContext, alert: Alert): Promise<void> {
  const { deps, options, report } = delivery;
  if (options.dryRun) {
    const { guardrails } = delivery.deps;
    const previewed = guardrails
      ? await guardrails.preview(alert)
      : previewActions(alert, delivery.guardrails);
    report.suppressed.push({ alert: withReportLink(delivery, previewed), reason: 'dry-run' });
    return;
  }
  const { ledger } = deps;
  if (!ledger) {
    // A stateless preview: every crossing goes out on every run, and nothing acts without the ledger.
    await publish(delivery, withReportLink(delivery, proposedOnly(alert, NO_GUARDRAILS)));
    return;
  }
  // Claimed first: a crossing already sent costs one read a run, not the list "since the last alert" takes.
  const claim = await claimDelivery(delivery, ledger, alert, withReportLink(delivery, alert));
  if (!claim) return;
  const sinceLast = await sinceLastAlert(delivery, ledger, alert);
  const outgoing = withReportLink(delivery, await withActions(delivery, { ...alert, ...sinceLast }));
  const published = await publish(delivery, outgoing);
  await record(delivery, ledger, claim, outgoing, published);
}

/**
 * The alert with its guardrail actions handled (proposed, or carried out when automatic), once it is
 * claimed: a crossing another run delivers never acts twice. Without guardrails, shown as proposed only.
 */
async function withActions(delivery: DeliveryContext, alert: Alert): Promise<Alert> {
  const { guardrails } = delivery.deps;
  if (!guardrails) return proposedOnly(alert, NO_GUARDRAILS);
  return guardrails.prepare(alert, delivery.guardrailRun);
}

const NO_GUARDRAILS =
  'proposed only: this run keeps no action records (no alert state, or no guardrails set up), so it acts on nothing';

/** The alert with this run's report link as its last line, when the run has a report. */
function withReportLink({ options }: DeliveryContext, alert: Alert): Alert {
  const link = options.reportLink;
  return link ? { ...alert, details: [...alert.details, reportLinkLine(link)] } : alert;
}

/** The alert delivered last for the same budget and period, as `sinceLast`; nothing when none can be read. */
async function sinceLastAlert(
  { deps }: DeliveryContext,
  ledger: AlertLedger,
  alert: Alert,
): Promise<Pick<Alert, 'sinceLast'>> {
  try {
    const previous = await ledger.lastSent(alert.budget, alert.periodKey);
    if (!previous) return {};
    return { sinceLast: { threshold: previous.threshold, spent: previous.spent, at: previous.detectedAt } };
  } catch (error) {
    // Only the "since the last alert" line depends on it: deliver without.
    deps.logger.warn('previous alert could not be read; delivering without it', {
      ...logFields(alert),
      error: errorMessage(error),
    });
    return {};
  }
}

/**
 * Claims `alert` (as built) in the ledger; undefined when it must not be published now: already sent,
 * in flight in another run, or its state could not be claimed. Those are reported as `shown`.
 */
async function claimDelivery(
  { deps, options, report }: DeliveryContext,
  ledger: AlertLedger,
  alert: Alert,
  shown: Alert,
): Promise<ClaimToken | undefined> {
  try {
    const claim = await ledger.claim(alert, deps.clock.now(), options.leaseMs ?? DEFAULT_LEASE_MS);
    if (claim.outcome === 'claimed') return claim;
    report.suppressed.push({ alert: shown, reason: claim.outcome });
  } catch (error) {
    deps.logger.error('alert state could not be claimed; not sent now, retried next run', {
      ...logFields(alert),
      error: errorMessage(error),
    });
    report.failed.push({ alert: shown, error: error as Error });
  }
  return undefined;
}

/** Publishes the alert and reports it as delivered, or as failed; true when it went out. */
async function publish({ deps, report }: DeliveryContext, alert: Alert): Promise<boolean> {
  let messageId: string;
  try {
    ({ messageId } = await deps.publisher.publish(alert));
  } catch (error) {
    deps.logger.error('alert publish failed; it stays pending and is retried next run', {
      ...logFields(alert),
      error: errorMessage(error),
    });
    report.failed.push({ alert, error: error as Error });
    return false;
  }
  report.delivered.push(alert);
  deps.logger.info('alert delivered', { ...logFields(alert), severity: alert.severity, messageId });
  return true;
}

/**
 * Records what happened to a claim: sent, or released so the next run retries at once. When that
 * fails the claim stays pending: its lease runs out and a later run delivers it (again, for a sent
 * one: the accepted duplicate, same dedupKey).
 */
async function record(
  { deps }: DeliveryContext,
  ledger: AlertLedger,
  claim: ClaimToken,
  alert: Alert,
  published: boolean,
): Promise<void> {
  const what = published ? 'recorded as sent' : 'released';
  const consequence = published
    ? 'it may go out once more (same dedupKey) after its lease'
    : 'it is retried once its lease runs out';
  const log = logFields(alert);
  try {
    const now = deps.clock.now();
    const stillOurs = published
      ? await ledger.markSent(claim, now)
      : await ledger.releaseForRetry(claim, now);
    if (!stillOurs) {
      deps.logger.warn(`alert claim taken over by another run before it was ${what}; ${consequence}`, log);
    }
  } catch (error) {
    const outcome = published ? 'delivered but could not be' : 'could not be';
    deps.logger.error(`alert ${outcome} ${what}; ${consequence}`, { ...log, error: errorMessage(error) });
  }
}

function logFields(alert: Alert): Record<string, string> {
  return { dedupKey: alert.dedupKey, budget: alert.budget };
}
