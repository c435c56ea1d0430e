import { type Decimal, decimal, Money } from '../money/index.ts';

export type Basis = 'actual' | 'forecast' | 'pace';
export type Severity = 'info' | 'warning' | 'critical';

export interface Threshold {
  /** Stable key for alert state: basis and level, e.g. "actual-80pct", "forecast-25000". */
  id: string;
  /** As written in the config, e.g. "80%" or "25000". */
  written: string;
  basis: Basis;
  severity: Severity;
  /** Set for percent thresholds: 80 for "80%". */
  percent?: Decimal;
  /** The spend level that crosses it, in the budget currency. For pace thresholds, unused. */
  level: Money;
}

export interface Budget {
  name: string;
  description?: string;
  accountIds: string[];
  amount: Money;
  period: 'monthly';
  thresholds: Threshold[];
}

/** "80%" → 80 % of the budget; "25000" → that amount in the budget's currency. */
export function parseThreshold(written: string, basis: Basis, severity: Severity, budget: Money): Threshold {
  const text = written.trim();
  if (text.endsWith('%')) {
    const percent = decimal(text.slice(0, -1));
    return {
      id: `${basis}-${percent.toFixed()}pct`,
      written: text,
      basis,
      severity,
      percent,
      level: budget.times(percent.div(100)),
    };
  }
  const level = Money.of(text, budget.currency);
  return { id: `${basis}-${level.toDecimalString()}`, written: text, basis, severity, level };
}
