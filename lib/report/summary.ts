/**
 * One row per budget, as `spendwatch status` prints it and the HTML report tabulates it: the same
 * words and the same state in the terminal and in the page someone opens from an alert.
 */
import { formatAmount, formatCompact, formatPercent } from '../alerts/format.ts';
import { missingPartText } from '../alerts/wording.ts';
import type { Budget } from '../budgets/budget.ts';
import { type BudgetStatus, measuredAmount, measuredSpend } from '../budgets/status.ts';
import type { BudgetOutcome, CheckReport } from '../check/types.ts';
import { type Decimal, isCurrencyCode } from '../money/index.ts';

/**
 * - broken: the budget cannot be evaluated from its readings (a currency without a rate, a scope
 *   matching nothing): a config or data problem a person must fix; a broken-budget alert says so
 * - gap: an account could not be read or its data is pending, or a part the budget needs is missing
 * - alarm: an actual-spend threshold crossed that is critical or at ≥ 100 % of the budget
 * - stale: the provider's figure is older than the budget's staleAfterHours
 * - warning: any other crossing (a lower actual threshold, forecast, pace or an anomalous day)
 * - ok: nothing crossed
 * Earlier wins: an alarm stands even on a stale figure (spend to date only grows); staleness is
 * shown before a warning because forecasts and anomalies are not computed from a stale figure.
 */
export type BudgetState = 'ok' | 'warning' | 'alarm' | 'stale' | 'gap' | 'broken';

export const NONE = '—';

export interface SummaryRow {
  budget: string;
  accounts: string;
  spent: string;
  amount: string;
  percent: string;
  forecast: string;
  /** How far spend is ahead (+) or behind (−) a straight-line burn of the budget. */
  pace: string;
  /** The lowest threshold not crossed yet. */
  next: string;
  /** Age of the provider's figure: "3 h ago". */
  asOf: string;
  state: BudgetState;
  /** Why a budget is a gap or stale, in a sentence. */
  note?: string;
}

export interface RowOptions {
  /** Usage quantities to a decimal of their millions ("9.8M api-calls"), for a narrow terminal. Money stays exact. */
  compactQuantities?: boolean;
}

export function summaryRows(report: CheckReport, options: RowOptions = {}): SummaryRow[] {
  return report.budgets.map((outcome) => summaryRow(outcome, report.at, options));
}

type AmountWriter = (value: Decimal, unit: string) => string;

function amountWriter(options: RowOptions): AmountWriter {
  return (value, unit) =>
    options.compactQuantities && !isCurrencyCode(unit)
      ? formatCompact(value, unit)
      : formatAmount(value, unit);
}

export function summaryRow(outcome: BudgetOutcome, at: Date, options: RowOptions = {}): SummaryRow {
  const amount = amountWriter(options);
  if (outcome.status !== 'evaluated') {
    const budget = outcome.definition;
    return {
      budget: outcome.budget,
      accounts: budget.accountIds.join(', '),
      spent: NONE,
      amount: amount(budget.amount, budget.measureUnit),
      percent: NONE,
      forecast: NONE,
      pace: NONE,
      next: NONE,
      asOf: NONE,
      state: outcome.status === 'skipped' ? 'gap' : 'broken',
      note: outcome.status === 'skipped' ? outcome.reason : outcome.error.message,
    };
  }
  const status = outcome.evaluation;
  const { budget } = status;
  const state = budgetState(status);
  return {
    budget: budget.name,
    accounts: budget.accountIds.join(', '),
    spent: amount(measuredSpend(status), budget.measureUnit),
    amount: amount(measuredAmount(status), budget.measureUnit),
    percent: formatPercent(status.percent),
    forecast: status.forecast ? amount(status.forecast.amount.round(2), budget.measureUnit) : NONE,
    pace: status.pace ? signedPercent(status.pace.aheadPercent) : NONE,
    next: nextThreshold(status, amount),
    asOf: formatAge(status.asOf, at),
    state,
    ...(state === 'stale' && {
      note: `the provider's figure is from ${status.asOf.toISOString()}, older than ${budget.staleAfterHours} h; forecast and anomalies wait for fresh data`,
    }),
  };
}

export interface AccountProblem {
  account: string;
  provider: string;
  /** What the provider, or the secret store, said: safe to show (never a credential). */
  problem: string;
}

/**
 * Accounts that could not be read or whose data is not ready (the cause behind a "gap"), and accounts
 * read without some part a side call was to bring (a partial reading), one problem per missing part.
 */
export function accountProblems(report: CheckReport): AccountProblem[] {
  return report.accounts.flatMap((outcome) => {
    const { id: account, provider } = outcome.account;
    if (outcome.status === 'ok')
      return (outcome.spend.missing ?? []).map((missing) => ({
        account,
        provider,
        problem: `partial reading: ${missingPartText(missing)}`,
      }));
    return [
      {
        account,
        provider,
        problem: outcome.status === 'pending' ? `data pending: ${outcome.reason}` : outcome.error.message,
      },
    ];
  });
}

export function budgetState(status: BudgetStatus): BudgetState {
  const alarm = status.crossings.some(
    (c) =>
      c.basis === 'actual' &&
      (c.severity === 'critical' || levelOf(status.budget, c.id)?.gte(status.budget.amount)),
  );
  if (alarm) return 'alarm';
  if (status.stale) return 'stale';
  return status.crossings.length > 0 ? 'warning' : 'ok';
}

function levelOf(budget: Budget, thresholdId: string): Decimal | undefined {
  return budget.thresholds.find((t) => t.id === thresholdId)?.level;
}

/** Spend thresholds first (what spend reaches next), then forecast, then pace. */
export function nextThreshold(status: BudgetStatus, amountText: AmountWriter = formatAmount): string {
  const order = ['actual', 'forecast', 'pace'];
  const next = [...status.pending].sort(
    (a, b) => order.indexOf(a.basis) - order.indexOf(b.basis) || a.level.cmp(b.level),
  )[0];
  if (!next) return NONE;
  if (next.basis === 'pace') return `pace +${next.level.toFixed()}%`;
  // A percent threshold of a resource held to its own amount is that percent of its own amount.
  const own = next.written.endsWith('%') && !status.budget.amount.eq(0) ? measuredAmount(status) : undefined;
  const level = own ? next.level.times(own).div(status.budget.amount) : next.level;
  const amount = amountText(level, status.budget.measureUnit);
  const written = next.written.endsWith('%') ? `${next.written} (${amount})` : amount;
  return next.basis === 'actual' ? written : `${written} ${next.basis}`;
}

/** "+12.3%" / "-4.0%". */
function signedPercent(value: Decimal): string {
  return `${value.gte(0) ? '+' : ''}${formatPercent(value)}`;
}

/** "just now", "12 min ago", "3 h ago", "4 d ago": how old the provider's figure was at `at`. */
export function formatAge(asOf: Date, at: Date): string {
  const minutes = Math.floor((at.getTime() - asOf.getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}
