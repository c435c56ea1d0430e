/**
 * One check: read every account once, evaluate every budget, deliver each new crossing once.
 * The Lambda handler, the CLI and the demo all run this same function.
 */
import type { Alert } from '../alerts/alert.ts';
import { buildAlert } from '../alerts/build.ts';
import { buildHealthAlert } from '../alerts/health-alert.ts';
import { type Budget, MONITORING_BUDGET } from '../budgets/budget.ts';
import { type AccountSpend, type BudgetStatus, evaluateBudget } from '../budgets/evaluate.ts';
import { mapLimit } from '../concurrency/map-limit.ts';
import type { Account, Config } from '../config/config.ts';
import { ProviderError } from '../http/index.ts';
import type { Logger } from '../log/index.ts';
import type { AlertPublisher } from '../notify/publisher.ts';
import { connectAccount } from '../providers/registry.ts';
import type { ConnectContext, ReadNeeds } from '../providers/types.ts';
import type { SecretResolver } from '../secrets/index.ts';
import type { SpendSnapshot } from '../spend/index.ts';
import type { KeptReadings } from '../state/kept-readings.ts';
import { type AlertLedger, type Claim, DEFAULT_LEASE_MS } from '../state/ledger.ts';
import type { Clock } from '../time/clock.ts';
import { monthlyPeriod } from '../time/period.ts';
import type { HealthTracker } from './health.ts';
import { type CheckMetrics, noCheckMetrics } from './metrics.ts';
import { readNeedsOf } from './read-needs.ts';

export interface CheckDependencies {
  clock: Clock;
  logger: Logger;
  secrets: SecretResolver;
  publisher: AlertPublisher;
  /** Without a ledger every crossing is delivered on every run (stateless preview). */
  ledger?: AlertLedger;
  /** Tracks unreadable accounts for monitoring-gap alerts; without it gaps are only logged. */
  health?: HealthTracker;
  /** Keeps each account's last reading, for accounts with `readEveryMinutes`; without it every run reads. */
  keptReadings?: KeptReadings;
  /** Adds what other pipelines know to a period spend (e.g. the Soracom billing-CSV breakdown), as `needs` asks. */
  enrich?: (account: Account, spend: SpendSnapshot, needs: ReadNeeds) => Promise<SpendSnapshot>;
  http?: ConnectContext['http'];
  /** Spend, duration, provider errors, gaps and deliveries for dashboards and alarms; none by default. */
  metrics?: CheckMetrics;
}

export interface CheckOptions {
  /** Evaluate and report, but neither claim nor publish. */
  dryRun?: boolean;
  /** Only these accounts (and the budgets that read only them). */
  accountIds?: string[];
  /** Accounts read in parallel. */
  concurrency?: number;
  /** How long a claimed alert may stay pending before another run takes it over. */
  leaseMs?: number;
  /** Told after each account read settles (and once with 0 before the first), e.g. for a progress line. */
  onAccountRead?: (done: number, total: number) => void;
  /** A link to this run's burn-up report, put in every alert (the Lambda writes the page to S3). */
  reportLink?: { url: string; validForHours: number };
}

export type AccountOutcome =
  /** `keptFrom`: not read this run (`readEveryMinutes`); the spend is the reading taken then. */
  | { account: Account; status: 'ok'; spend: SpendSnapshot; keptFrom?: Date }
  | { account: Account; status: 'pending'; reason: string; endpoint: string }
  | { account: Account; status: 'error'; error: Error };

/** Skipped and failed budgets keep their definition, so a status page can still show what they watch. */
export type BudgetOutcome =
  | { budget: string; status: 'evaluated'; evaluation: BudgetStatus }
  | { budget: string; status: 'skipped'; reason: string; definition: Budget }
  | { budget: string; status: 'error'; error: Error; definition: Budget };

const REPORT_LINK = 'Burn-up report';

export interface CheckReport {
  at: Date;
  accounts: AccountOutcome[];
  budgets: BudgetOutcome[];
  /** Published now. */
  delivered: Alert[];
  /** Evaluated as crossed but not sent: already sent earlier, in flight elsewhere, or a dry run. */
  suppressed: { alert: Alert; reason: 'already-sent' | 'in-flight' | 'dry-run' }[];
  /** Not delivered now (its state could not be claimed, or the publish failed): the next run retries. */
  failed: { alert: Alert; error: Error }[];
}

export async function runCheck(
  config: Config,
  deps: CheckDependencies,
  options: CheckOptions = {},
): Promise<CheckReport> {
  const started = performance.now();
  const metrics = deps.metrics ?? noCheckMetrics;
  const now = deps.clock.now();
  const wanted = options.accountIds ? new Set(options.accountIds) : undefined;
  const budgets = config.budgets.filter((b) => !wanted || b.accountIds.every((id) => wanted.has(id)));
  const accounts = config.accounts.filter((a) =>
    wanted ? wanted.has(a.id) : budgets.some((b) => b.accountIds.includes(a.id)),
  );

  let read = 0;
  options.onAccountRead?.(read, accounts.length);
  const outcomes = await mapLimit(accounts, options.concurrency ?? 8, (account) =>
    readOrKeep(account, readNeedsOf(config, account.id), deps, options, now).finally(() =>
      options.onAccountRead?.(++read, accounts.length),
    ),
  );
  const byId = new Map<string, AccountOutcome>();
  outcomes.forEach((settled, i) => {
    const account = accounts[i]!;
    byId.set(
      account.id,
      settled.status === 'fulfilled'
        ? settled.value
        : { account, status: 'error', error: settled.reason as Error },
    );
  });

  const report: CheckReport = {
    at: now,
    accounts: [...byId.values()],
    budgets: [],
    delivered: [],
    suppressed: [],
    failed: [],
  };
  for (const outcome of report.accounts) {
    if (outcome.status === 'error')
      metrics.providerError({ provider: outcome.account.provider, account: outcome.account.id });
  }
  if (deps.health && !options.dryRun)
    await trackHealth(config, report.accounts, deps.health, deps, options, report, now);
  for (const budget of budgets) {
    const reads = budget.accountIds.map((id) => byId.get(id)!);
    const notOk = reads.find((r) => r.status !== 'ok');
    if (notOk) {
      const reason =
        notOk.status === 'pending'
          ? `account "${notOk.account.id}" data pending: ${notOk.reason}`
          : `account "${notOk.account.id}" could not be read`;
      report.budgets.push({ budget: budget.name, status: 'skipped', reason, definition: budget });
      continue;
    }
    const spends: AccountSpend[] = reads.map((r) => {
      const ok = r as Extract<AccountOutcome, { status: 'ok' }>;
      return {
        accountId: ok.account.id,
        provider: ok.account.provider,
        timeZone: ok.account.timeZone,
        spend: ok.spend,
      };
    });
    let evaluation: BudgetStatus;
    try {
      evaluation = evaluateBudget(budget, spends, config.rates, now);
    } catch (error) {
      deps.logger.error('budget could not be evaluated', {
        budget: budget.name,
        error: (error as Error).message,
      });
      report.budgets.push({
        budget: budget.name,
        status: 'error',
        error: error as Error,
        definition: budget,
      });
      continue;
    }
    report.budgets.push({ budget: budget.name, status: 'evaluated', evaluation });
    metrics.budgetEvaluated({
      name: budget.name,
      spent: evaluation.spent.toNumber(),
      percentOfBudget: evaluation.percent.toNumber(),
    });
    for (const crossing of evaluation.crossings) {
      await deliver(buildAlert(evaluation, crossing, now), deps, options, report);
    }
    if (deps.ledger && budget.notifyBackUnder) {
      try {
        await backUnder(evaluation, deps.ledger, deps, options, report, now);
      } catch (error) {
        // The notice is evaluated again next run: nothing is lost by skipping it now.
        deps.logger.error('back-under state could not be read; checked again next run', {
          budget: budget.name,
          error: message(error),
        });
      }
    }
  }
  if (deps.ledger && !options.dryRun)
    await retryAbandoned(budgets, accounts, deps.ledger, deps, options, report, now);
  const accountErrors = report.accounts.filter((a) => a.status === 'error').length;
  const accountsPending = report.accounts.filter((a) => a.status === 'pending').length;
  deps.logger.info('check finished', {
    accounts: report.accounts.length,
    accountErrors,
    accountsPending,
    budgets: report.budgets.length,
    delivered: report.delivered.length,
    suppressed: report.suppressed.length,
    publishFailures: report.failed.length,
  });
  metrics.checkFinished({
    durationMs: performance.now() - started,
    accounts: report.accounts.length,
    monitoringGaps: accountErrors + accountsPending,
    alertsDelivered: report.delivered.length,
    publishFailures: report.failed.length,
  });
  return report;
}

/** One notice per period when a forecast that crossed a threshold (and was alerted) falls back under it. */
async function backUnder(
  evaluation: BudgetStatus,
  ledger: AlertLedger,
  deps: CheckDependencies,
  options: CheckOptions,
  report: CheckReport,
  now: Date,
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
    await deliver(buildAlert(evaluation, crossing, now, 'back-under'), deps, options, report);
  }
}

/**
 * Delivers the alerts earlier runs claimed and never sent (they died, or their publish failed), from
 * their records: re-evaluating is not enough, since the crossing may no longer show (a late correction,
 * a new month, a monitoring gap raised once). Runs after the budgets: a crossing still seen was just
 * re-claimed and delivered with fresh figures, and is skipped here as sent.
 */
async function retryAbandoned(
  budgets: Budget[],
  accounts: Account[],
  ledger: AlertLedger,
  deps: CheckDependencies,
  options: CheckOptions,
  report: CheckReport,
  now: Date,
): Promise<void> {
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
          error: message(error),
        });
        return [];
      }),
    ),
  );
  for (const alert of found.flat()) {
    if (attempted.has(alert.dedupKey)) continue;
    deps.logger.warn('retrying an alert an earlier run claimed but never sent', { dedupKey: alert.dedupKey });
    await deliver(alert, deps, options, report);
  }
}

async function trackHealth(
  config: Config,
  outcomes: AccountOutcome[],
  health: HealthTracker,
  deps: CheckDependencies,
  options: CheckOptions,
  report: CheckReport,
  now: Date,
): Promise<void> {
  for (const outcome of outcomes) {
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
      const budgets = config.budgets.filter((b) => b.accountIds.includes(account.id)).map((b) => b.name);
      await deliver(buildHealthAlert(change, account.provider, budgets, now), deps, options, report);
    } catch (error) {
      deps.logger.error('account health could not be recorded', {
        account: account.id,
        error: (error as Error).message,
      });
    }
  }
}

/**
 * Reads the account, or, when it has `readEveryMinutes` and was read more recently than that in the
 * same period, takes its kept reading. Dry runs always read and keep nothing.
 */
async function readOrKeep(
  account: Account,
  needs: ReadNeeds,
  deps: CheckDependencies,
  options: CheckOptions,
  now: Date,
): Promise<AccountOutcome> {
  const cache = account.readEveryMinutes && !options.dryRun ? deps.keptReadings : undefined;
  if (!cache) return readAccount(account, needs, deps, now);
  const log = deps.logger.child({ provider: account.provider, account: account.id });
  const kept = await cache.get(account.id).catch((error: unknown) => {
    log.warn('kept reading unusable; reading the account', { error: message(error) });
    return undefined;
  });
  const age = kept ? now.getTime() - kept.readAt.getTime() : Number.POSITIVE_INFINITY;
  // A reading of another period (a month just ended) is never kept.
  if (
    kept &&
    age >= 0 &&
    age < account.readEveryMinutes! * 60_000 &&
    now >= kept.spend.BillingPeriodStart &&
    now < kept.spend.BillingPeriodEnd
  ) {
    log.info('account not due; evaluating its kept reading', {
      readAt: kept.readAt.toISOString(),
      asOf: kept.spend.asOf.toISOString(),
    });
    return {
      account,
      status: 'ok',
      spend: await enriched(account, kept.spend, needs, deps),
      keptFrom: kept.readAt,
    };
  }
  const outcome = await readAccount(account, needs, deps, now, async (spend) => {
    await cache.put(account.id, now, spend).catch((error: unknown) => {
      // The next run reads the account again: nothing is lost but an API call.
      log.warn('reading could not be kept', { error: message(error) });
    });
  });
  return outcome;
}

async function enriched(account: Account, spend: SpendSnapshot, needs: ReadNeeds, deps: CheckDependencies) {
  return deps.enrich ? deps.enrich(account, spend, needs) : spend;
}

async function readAccount(
  account: Account,
  needs: ReadNeeds,
  deps: CheckDependencies,
  now: Date,
  keep?: (spend: SpendSnapshot) => Promise<void>,
): Promise<AccountOutcome> {
  const log = deps.logger.child({ provider: account.provider, account: account.id });
  try {
    const credentials = await deps.secrets.resolveAll(account.credentials);
    const source = connectAccount(account, {
      clock: deps.clock,
      logger: log,
      credentials,
      http: deps.http ?? {},
    });
    const reading = await source.read({
      period: monthlyPeriod(now, account.timeZone, account.periodStartDay),
      needs,
    });
    if (reading.status === 'pending') {
      log.warn('provider data not ready yet', { endpoint: reading.endpoint, reason: reading.reason });
      return { account, status: 'pending', reason: reading.reason, endpoint: reading.endpoint };
    }
    log.info('account read', {
      spent: reading.spend.BilledCost?.toString(),
      asOf: reading.spend.asOf.toISOString(),
      sources: reading.spend.sources,
    });
    await keep?.(reading.spend);
    return { account, status: 'ok', spend: await enriched(account, reading.spend, needs, deps) };
  } catch (error) {
    const fields = error instanceof ProviderError ? error.toLogFields() : { error: (error as Error).message };
    log.error('account could not be read', fields);
    return { account, status: 'error', error: error as Error };
  }
}

/**
 * Claims, publishes and records one alert. Never throws: a state or publish failure is logged and
 * reported as failed, and the next run retries, so one broken alert cannot stop the rest of the run.
 */
async function deliver(
  alert: Alert,
  deps: CheckDependencies,
  options: CheckOptions,
  report: CheckReport,
): Promise<void> {
  if (options.reportLink) {
    // An alert retried from an earlier run's claim carries that run's (expired) link: replace it.
    alert.details = alert.details.filter((line) => !line.startsWith(REPORT_LINK));
    alert.details.push(
      `${REPORT_LINK} (link valid ${options.reportLink.validForHours} h): ${options.reportLink.url}`,
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
        error: message(error),
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
        error: message(error),
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
      error: message(error),
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
    deps.logger.error(`alert ${outcome} ${what}; ${consequence}`, { ...log, error: message(error) });
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
