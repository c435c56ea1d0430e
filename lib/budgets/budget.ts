import type { ActionSpec } from '../actions/spec.ts';
import { type Decimal, decimal } from '../money/index.ts';
import type { ReadPart } from '../spend/index.ts';

export type Basis = 'actual' | 'forecast' | 'pace';

/** Reserved budget name under which monitoring-gap alerts are kept and routed. */
export const MONITORING_BUDGET = 'monitoring';
export type Severity = 'info' | 'warning' | 'critical';

export interface Threshold {
  /** Stable key for alert state: basis and level, e.g. "actual-80pct", "forecast-25000". */
  id: string;
  /** As written in the config, e.g. "80%" or "25000". */
  written: string;
  basis: Basis;
  severity: Severity;
  /** Set for percent thresholds: 80 for "80%". For pace, how far ahead of a straight-line burn. */
  percent?: Decimal;
  /** The level that crosses it, in the budget's unit (unused for pace). */
  level: Decimal;
  /** Guardrail actions taken on what crossed it. */
  actions?: ActionSpec[];
}

/** Narrows a budget to part of the bill; each list matches by exact name or glob ("Workers*"). */
export interface Scope {
  services?: string[];
  items?: string[];
  resources?: string[];
  /** Tag values a line's resource must carry (e.g. a SIM's fleet=A), each exact or glob. */
  tags?: Record<string, string>;
}

/**
 * A budget applied to every resource (e.g. each SIM, each Kill Bill customer) on its own, over the
 * period or each day. A resource is held to its own amount where one is given: first `amounts` (by
 * resource id, from the config), then the value of its tag `amountTag` (a Kill Bill custom field, a
 * Soracom tag column), else the budget's amount.
 */
export interface PerResource {
  window: 'period' | 'day';
  amounts?: ReadonlyMap<string, Decimal>;
  amountTag?: string;
}

/** Why a budget cannot be evaluated from its readings; `reason` is the message without the budget's name. */
export class BudgetEvaluationError extends Error {
  constructor(
    readonly budget: string,
    readonly reason: string,
  ) {
    super(`budget "${budget}": ${reason}`);
    this.name = 'BudgetEvaluationError';
  }
}

export interface AnomalyRule {
  /** Days before the examined day that form its baseline. */
  lookbackDays: number;
  /** How many robust standard deviations (1.4826 × MAD) above the median counts as anomalous. */
  sensitivity: number;
  /** Spikes smaller than this (in the budget's unit) above the median are ignored. */
  minAmount: Decimal;
  severity: Severity;
}

export interface Budget {
  name: string;
  description?: string;
  accountIds: string[];
  /** Cost budgets are in a currency; usage budgets count a unit (Kill Bill unit types, Fastly usage types). */
  measure: 'cost' | 'usage';
  /** ISO 4217 currency for cost budgets, the usage unit (e.g. "api-calls") for usage budgets. */
  measureUnit: string;
  amount: Decimal;
  scope: Scope;
  /** Set: every resource in scope is its own budget ("any SIM over ¥1,000 this month"). */
  perResource?: PerResource;
  thresholds: Threshold[];
  anomaly?: AnomalyRule;
  /** No forecast (or pace) alert before this many days of data in the period. */
  forecastMinDays: number;
  /** A provider figure older than this is stale: reported, not forecast from. */
  staleAfterHours: number;
  /** Send one "back under" notice when a forecast alert's projection falls below again. */
  notifyBackUnder: boolean;
}

/** "80%" → 80 % of the budget; "25000" → that amount in the budget's unit. */
export function parseThreshold(
  written: string,
  basis: Basis,
  severity: Severity,
  budget: Decimal,
): Threshold {
  const text = written.trim();
  if (text.endsWith('%')) {
    const percent = decimal(text.slice(0, -1));
    return {
      id: `${basis}-${percent.toFixed()}pct`,
      written: text,
      basis,
      severity,
      percent,
      level: budget.times(percent).div(100),
    };
  }
  const level = decimal(text);
  return { id: `${basis}-${level.toFixed()}`, written: text, basis, severity, level };
}

/**
 * The parts of a reading a budget's figure is computed from, beyond the headline total: a budget
 * cannot be evaluated from a reading that lacks one (any other missing part only thins its alert).
 */
export function figureParts(budget: Budget): ReadPart[] {
  const parts: ReadPart[] = [];
  if (isScoped(budget.scope) || budget.perResource) parts.push('breakdown');
  if (budget.perResource?.window === 'day') parts.push('resourceDays');
  if (budget.measure === 'usage') parts.push('usage');
  // A cost over the whole account is short by whatever resource could not be priced.
  else if (!budget.perResource) parts.push('resources');
  return parts;
}

export function isScoped(scope: Scope): boolean {
  return Boolean(
    scope.services?.length ||
      scope.items?.length ||
      scope.resources?.length ||
      Object.keys(scope.tags ?? {}).length,
  );
}

/** Exact names or globs with `*` and `?`. */
export function globMatcher(patterns: string[] | undefined): (value: string | undefined) => boolean {
  if (!patterns?.length) return () => true;
  const regexes = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replaceAll('*', '.*')
          .replaceAll('?', '.')}$`,
      ),
  );
  return (value) => value !== undefined && regexes.some((r) => r.test(value));
}
