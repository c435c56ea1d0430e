/**
 * One check: read every account once, evaluate every budget, deliver each new crossing once.
 * The Lambda handler, the CLI and the demo all run this same function.
 */
import type { Alert } from '../alerts/alert.ts';
import { buildBrokenBudgetAlert } from '../alerts/broken-alert.ts';
import { buildAlert } from '../alerts/build.ts';
import { partName } from '../alerts/wording.ts';
import { type Budget, BudgetEvaluationError, figureParts } from '../budgets/budget.ts';
import { evaluateBudget } from '../budgets/evaluate.ts';
import { type AccountSpend, measuredSpend } from '../budgets/status.ts';
import type { Account, Config } from '../config/config.ts';
import { monthlyPeriod, periodKey } from '../time/period.ts';
import { backUnder, type DeliveryContext, deliver, retryAbandoned } from './deliver.ts';
import { trackHealth } from './health.ts';
import { type CheckMetrics, noCheckMetrics } from './metrics.ts';
import { readAccounts } from './read-accounts.ts';
import { budgetsReading } from './read-needs.ts';
import type {
  AccountOutcome,
  BudgetOutcome,
  CheckContext,
  CheckDependencies,
  CheckOptions,
  CheckReport,
} from './types.ts';

export async function runCheck(
  config: Config,
  deps: CheckDependencies,
  options: CheckOptions = {},
): Promise<CheckReport> {
  const started = performance.now();
  const metrics = deps.metrics ?? noCheckMetrics;
  const check: CheckContext = { deps, options, now: deps.clock.now(), guardrails: config.guardrails };
  const { budgets, accounts } = inScope(config, options.accountIds);

  const byId = await readAccounts(check, config, accounts);
  const report: CheckReport = {
    at: check.now,
    accounts: [...byId.values()],
    budgets: [],
    delivered: [],
    suppressed: [],
    failed: [],
  };
  for (const outcome of report.accounts) {
    const account = { provider: outcome.account.provider, account: outcome.account.id };
    if (outcome.status === 'error') metrics.providerError(account);
    if (outcome.status === 'ok')
      for (const { part } of outcome.spend.missing ?? []) metrics.partialReading({ ...account, part });
  }
  const delivery: DeliveryContext = { ...check, report, guardrailRun: { executed: 0 } };
  await trackHealth(delivery, config);
  for (const budget of budgets) {
    const outcome = evaluate(check, config, budget, byId);
    report.budgets.push(outcome);
    if (outcome.status === 'error') await deliver(delivery, brokenAlert(check, budget, byId, outcome.error));
    if (outcome.status !== 'evaluated') continue;
    const { evaluation } = outcome;
    metrics.budgetEvaluated({
      name: budget.name,
      spent: measuredSpend(evaluation).toNumber(),
      percentOfBudget: evaluation.percent.toNumber(),
    });
    for (const crossing of evaluation.crossings) {
      await deliver(delivery, buildAlert(evaluation, crossing, check.now));
    }
    await backUnder(delivery, evaluation);
  }
  await retryAbandoned(delivery, budgets, accounts);
  finished(deps, metrics, report, started);
  return report;
}

/**
 * What this run checks: with `accountIds`, those accounts and the budgets that read only them;
 * otherwise every budget and the accounts they read.
 */
function inScope(
  config: Config,
  accountIds: string[] | undefined,
): { budgets: Budget[]; accounts: Account[] } {
  const wanted = accountIds ? new Set(accountIds) : undefined;
  const budgets = config.budgets.filter((b) => !wanted || b.accountIds.every((id) => wanted.has(id)));
  const accounts = config.accounts.filter((a) =>
    wanted ? wanted.has(a.id) : budgetsReading(config, a.id).length > 0,
  );
  return { budgets, accounts };
}

/** Evaluates one budget from this run's readings; skipped when one of its accounts was not read. */
function evaluate(
  { deps, now }: CheckContext,
  config: Config,
  budget: Budget,
  byId: Map<string, AccountOutcome>,
): BudgetOutcome {
  const reads = budget.accountIds.map((id) => byId.get(id)!);
  const notOk = reads.find((r) => r.status !== 'ok');
  if (notOk) {
    const reason =
      notOk.status === 'pending'
        ? `account "${notOk.account.id}" data pending: ${notOk.reason}`
        : `account "${notOk.account.id}" could not be read`;
    return { budget: budget.name, status: 'skipped', reason, definition: budget };
  }
  const lacking = lackingFigurePart(budget, reads as Extract<AccountOutcome, { status: 'ok' }>[]);
  if (lacking) return { budget: budget.name, status: 'skipped', reason: lacking, definition: budget };
  const spends: AccountSpend[] = reads.map((r) => {
    const ok = r as Extract<AccountOutcome, { status: 'ok' }>;
    return {
      accountId: ok.account.id,
      provider: ok.account.provider,
      timeZone: ok.account.timeZone,
      spend: ok.spend,
    };
  });
  try {
    return {
      budget: budget.name,
      status: 'evaluated',
      evaluation: evaluateBudget(budget, spends, config.rates, now),
    };
  } catch (error) {
    deps.logger.error('budget could not be evaluated', {
      budget: budget.name,
      error: (error as Error).message,
    });
    return { budget: budget.name, status: 'error', error: error as Error, definition: budget };
  }
}

/** The once-per-period alert for a budget its readings cannot evaluate (a config or data problem). */
function brokenAlert(
  { now }: CheckContext,
  budget: Budget,
  byId: Map<string, AccountOutcome>,
  error: Error,
): Alert {
  const accounts = budget.accountIds.map((id) => byId.get(id)!.account);
  const lead = accounts[0]!;
  const period = monthlyPeriod(now, lead.timeZone, lead.periodStartDay);
  return buildBrokenBudgetAlert(
    budget,
    { ...period, key: periodKey(period.start, lead.timeZone) },
    accounts.map((a) => a.provider),
    error instanceof BudgetEvaluationError ? error.reason : error.message,
    now,
  );
}

/** Why a budget cannot be evaluated from partial readings: one lacks a part its figure is computed from. */
function lackingFigurePart(
  budget: Budget,
  reads: Extract<AccountOutcome, { status: 'ok' }>[],
): string | undefined {
  const needed = new Set(figureParts(budget));
  for (const read of reads) {
    const gap = read.spend.missing?.find((m) => needed.has(m.part));
    if (gap)
      return `account "${read.account.id}" was read without its ${partName(gap.part)}, which this budget is computed from (${gap.endpoint}: ${gap.reason})`;
  }
  return undefined;
}

/** The run's summary: one log line, and the run's metrics. */
function finished(
  deps: CheckDependencies,
  metrics: CheckMetrics,
  report: CheckReport,
  started: number,
): void {
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
    budgetsBroken: report.budgets.filter((b) => b.status === 'error').length,
    alertsDelivered: report.delivered.length,
    publishFailures: report.failed.length,
  });
}
