/**
 * What evaluating a budget reports: the spend held against it, the thresholds crossed and pending,
 * forecast, pace, anomalies and top contributors. Plain data, shared by the evaluators and their readers.
 */
import type { Decimal } from '../money/index.ts';
import type { PeriodSpend, SpendLine } from '../spend/index.ts';
import type { AnomalyFinding } from './anomaly.ts';
import type { Budget, Severity, Threshold } from './budget.ts';
import type { Forecast } from './forecast.ts';
import type { DailyPoint } from './series.ts';

export interface Contributor {
  /** What the name is: a service, a bill item, a resource (SIM IMSI, Fastly service...) or an account. */
  kind: 'service' | 'item' | 'resource' | 'account';
  name: string;
  /** Exact decimal in the budget's currency or unit. */
  cost: string;
  /** Share of the spend, percent with one decimal: "41.2". */
  share: string;
  tags?: Record<string, string>;
}

/** The contributors of one kind: the largest, then the rest together, shares adding up to 100.0. */
export interface ContributorGroup {
  kind: Contributor['kind'];
  /** Exact decimal: what every contributor of the kind adds up to. */
  total: string;
  /** Largest first; `share` is of the kind's total. */
  listed: Contributor[];
  /** The contributors not listed, together. */
  rest?: { count: number; cost: string; share: string };
}

export interface AccountSpend {
  accountId: string;
  provider: string;
  timeZone: string;
  spend: PeriodSpend;
}

export interface Crossing {
  /** Threshold id, or "anomaly-2026-11-14" for an anomalous day. */
  id: string;
  written: string;
  basis: 'actual' | 'forecast' | 'pace' | 'anomaly';
  severity: Severity;
  /** The value that crossed: spend, forecast, percent ahead of pace, or the day's spend. */
  observed: Decimal;
  anomaly?: AnomalyFinding;
  /** For per-resource budgets: the resource that crossed (and the day, for daily windows). */
  resource?: ResourceSpend;
  /** The threshold crossed (none for an anomalous day): its guardrail actions come with it. */
  threshold?: Threshold;
}

/** A threshold evaluated and not crossed. */
export interface PendingThreshold {
  id: string;
  written: string;
  basis: string;
  level: Decimal;
}

export interface BudgetStatus {
  budget: Budget;
  accounts: AccountSpend[];
  periodKey: string;
  periodStart: Date;
  periodEnd: Date;
  timeZone: string;
  /** The oldest as-of among the accounts: the status is no fresher than that. */
  asOf: Date;
  stale: boolean;
  /** Spend (or usage) to date in the period, everything in scope. */
  spent: Decimal;
  /**
   * Per-resource budgets only: the spend of the resource nearest (or furthest past) its own amount,
   * the figure held against the budget (the largest spend when every resource has the budget's amount).
   */
  largestResourceSpend?: Decimal;
  /** Per-resource budgets only: the largest resources (up to three) with their daily spend, to chart. */
  resourceSeries?: ResourceSeries[];
  /** Per-resource budgets only: the amount that resource is held to (its own, or the budget's). */
  largestResourceAmount?: Decimal;
  /** Percent of the budget that the figure held against it has reached (see measuredSpend). */
  percent: Decimal;
  daily?: DailyPoint[];
  forecast?: Forecast;
  /** `fixed`: the fixed charges taken as there from the period's start (see Forecast). */
  pace?: { expected: Decimal; aheadPercent: Decimal; fixed?: Decimal };
  anomalies: AnomalyFinding[];
  /** The largest contributors of any kind, shares of `spent` (what an alert lists). */
  contributors: Contributor[];
  /** Every kind's contributors, shares within the kind (what the report lists). */
  contributorsByKind: ContributorGroup[];
  crossings: Crossing[];
  /** Thresholds evaluated and not crossed, lowest first (for status: "next threshold"). */
  pending: PendingThreshold[];
}

export interface ResourceSpend {
  id: string;
  name?: string;
  /** What kind of resource it is, as its lines say (FOCUS ResourceType), e.g. "customer". */
  type?: string;
  tags?: Record<string, string>;
  /** Local day, for per-resource budgets with a daily window. */
  date?: string;
  value: Decimal;
  /** The amount this resource is held to (its own, or the budget's), in the budget's unit. */
  amount: Decimal;
  /** Where `amount` comes from: the budget's amount, the config's `amounts`, or the budget's `amountTag`. */
  amountFrom: 'budget' | 'config' | 'tag';
  /** Percent of the whole bill (all accounts of the budget), one decimal. */
  shareOfBill: string;
}

/** One of the largest resources of a per-resource budget, as charted: its days and what no day carries. */
export interface ResourceSeries {
  id: string;
  name?: string;
  /** The figure held against the budget: its spend in the period, or its largest day for daily windows. */
  value: Decimal;
  /** Its spend per local day, oldest first: empty when its lines carry no charge period. */
  days: DailyPoint[];
  /** What its undated lines add (a monthly fee, a credit): part of its period, of no day. */
  undated: Decimal;
}

/** A line in the budget's scope and what it counts in the budget's measure. */
export interface LineValue {
  line: SpendLine;
  value: Decimal;
}

/**
 * The figure a budget is held against, the one `percent` is of: the spend of the resource nearest its
 * amount for a per-resource budget, else the spend to date in scope.
 */
export function measuredSpend(status: BudgetStatus): Decimal {
  return status.largestResourceSpend ?? status.spent;
}

/** The amount `measuredSpend` is held against: the resource's own for a per-resource budget, else the budget's. */
export function measuredAmount(status: BudgetStatus): Decimal {
  return status.largestResourceAmount ?? status.budget.amount;
}
