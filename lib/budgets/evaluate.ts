/**
 * Budget evaluation: from provider readings to the thresholds a budget has crossed right now.
 * Pure: no I/O, no clock of its own. Once-per-crossing delivery is the ledger's job, not this one's.
 */
import {
  type CurrencyCode,
  type Decimal,
  decimal,
  type ExchangeRates,
  isCurrencyCode,
  type Money,
} from '../money/index.ts';
import type { PeriodSpend } from '../spend/index.ts';
import { periodKey } from '../time/period.ts';
import { localDateKey } from '../time/zoned.ts';
import { findAnomalies } from './anomaly.ts';
import { type Budget, BudgetEvaluationError, globMatcher, isScoped } from './budget.ts';
import { contributorsByKind, namedContributors, topContributors } from './contributors.ts';
import { forecastPeriodEnd } from './forecast.ts';
import { evaluatePerResource } from './per-resource.ts';
import { type DailyPoint, mergeDaily } from './series.ts';
import type { AccountSpend, BudgetStatus, Crossing, LineValue, PendingThreshold } from './status.ts';

const HOUR_MS = 3_600_000;

export function evaluateBudget(
  budget: Budget,
  accounts: AccountSpend[],
  rates: ExchangeRates,
  now: Date,
): BudgetStatus {
  if (accounts.length === 0) throw new BudgetEvaluationError(budget.name, 'no account data to evaluate');
  const lead = accounts[0]!;
  const periodStart = lead.spend.BillingPeriodStart;
  const periodEnd = lead.spend.BillingPeriodEnd;
  const asOf = new Date(Math.min(...accounts.map((a) => a.spend.asOf.getTime())));
  const stale = now.getTime() - asOf.getTime() > budget.staleAfterHours * HOUR_MS;
  const measure = new Measure(budget, rates);

  const perAccount = accounts.map((account) => ({ account, ...measure.ofSpend(account) }));
  const matchedNothing = perAccount.every((a) => a.lines.length === 0);
  if (matchedNothing && narrowsLines(budget) && accounts.every((a) => a.spend.lines.some(judgeable(budget))))
    throw new BudgetEvaluationError(budget.name, scopeMatchesNothing(budget, accounts));
  const spent = perAccount.reduce((sum, a) => sum.plus(a.total), decimal(0));
  // Fixed charges, where some account's lines tell them apart from usage-based ones.
  const fixed = perAccount.some((a) => a.fixed)
    ? perAccount.reduce((sum, a) => sum.plus(a.fixed ?? 0), decimal(0))
    : undefined;
  const dailySeries = perAccount.map((a) => a.daily);
  const daily = dailySeries.every((d) => d !== undefined)
    ? mergeDaily(dailySeries as DailyPoint[][])
    : undefined;

  const elapsedMs = Math.max(0, Math.min(asOf.getTime(), periodEnd.getTime()) - periodStart.getTime());
  const elapsedDays = elapsedMs / 86_400_000;
  const periodMs = periodEnd.getTime() - periodStart.getTime();
  const earlyInPeriod = elapsedDays < budget.forecastMinDays;
  const forecast = stale
    ? undefined
    : forecastPeriodEnd({
        spent,
        unit: budget.measureUnit,
        periodStart,
        periodEnd,
        asOf,
        asOfDate: localDateKey(asOf, lead.timeZone),
        daily,
        minDays: budget.forecastMinDays,
        fixed,
      });
  const pace =
    stale || earlyInPeriod || elapsedMs === 0
      ? undefined
      : (() => {
          // Fixed charges are all there from the start; only the rest of the budget burns by the day.
          const base = fixed ?? decimal(0);
          const burning = budget.amount.gt(base) ? budget.amount.minus(base) : decimal(0);
          const expected = base.plus(burning.times(elapsedMs).div(periodMs));
          return {
            expected,
            aheadPercent: expected.eq(0) ? decimal(0) : spent.div(expected).minus(1).times(100),
            ...(fixed && { fixed }),
          };
        })();
  const anomalies = budget.anomaly && daily && !stale ? findAnomalies(daily, budget.anomaly) : [];

  const percentOf = (figure: Decimal) =>
    budget.amount.eq(0) ? decimal(0) : figure.div(budget.amount).times(100);
  const named = namedContributors({
    perAccount,
    group: accounts.length > 1,
    resourcesOnly: Boolean(budget.perResource),
  });
  const contributions = {
    contributors: topContributors(named, spent),
    contributorsByKind: contributorsByKind(named),
  };
  // What every evaluation reports, whichever kind of budget it is.
  const common = (crossings: Crossing[], pending: PendingThreshold[]) => ({
    budget,
    accounts,
    periodKey: periodKey(periodStart, lead.timeZone),
    periodStart,
    periodEnd,
    timeZone: lead.timeZone,
    asOf,
    stale,
    ...contributions,
    crossings,
    pending,
  });
  if (budget.perResource) {
    const { crossings, pending, largest, series } = evaluatePerResource(
      budget,
      budget.perResource,
      perAccount,
      billTotal(accounts, measure),
    );
    // Per-resource budgets are held against the resource nearest (or furthest past) its own line.
    return {
      ...common(crossings, pending),
      spent,
      largestResourceSpend: largest?.value ?? decimal(0),
      resourceSeries: series,
      largestResourceAmount: largest?.amount ?? budget.amount,
      percent: largest ? largest.value.div(largest.amount).times(100) : decimal(0),
      anomalies: [],
    };
  }
  const crossings: Crossing[] = [];
  const pending: PendingThreshold[] = [];
  for (const threshold of budget.thresholds) {
    const observed =
      threshold.basis === 'actual'
        ? spent
        : threshold.basis === 'forecast'
          ? forecast?.amount
          : pace?.aheadPercent;
    const level = threshold.basis === 'pace' ? (threshold.percent ?? threshold.level) : threshold.level;
    if (observed?.gte(level)) {
      crossings.push({
        id: threshold.id,
        written: threshold.written,
        basis: threshold.basis,
        severity: threshold.severity,
        observed,
        threshold,
      });
    } else {
      pending.push({ id: threshold.id, written: threshold.written, basis: threshold.basis, level });
    }
  }
  for (const finding of anomalies) {
    crossings.push({
      id: `anomaly-${finding.date}`,
      written: 'anomaly',
      basis: 'anomaly',
      severity: budget.anomaly!.severity,
      observed: finding.amount,
      anomaly: finding,
    });
  }
  pending.sort((a, b) => a.level.cmp(b.level));

  return {
    ...common(crossings, pending),
    spent,
    percent: percentOf(spent),
    daily,
    forecast,
    pace,
    anomalies,
  };
}

/** Whether the budget's figure is a sum of the lines it selects (so selecting none is suspicious). */
function narrowsLines(budget: Budget): boolean {
  return isScoped(budget.scope) || budget.measure === 'usage';
}

/**
 * Whether a line carries every field the budget's scope (and usage unit) looks at, so that not
 * selecting it says something. Soracom's API lines carry no tags, for one: a tag scope cannot be
 * judged on them before the billing-CSV breakdown arrives.
 */
function judgeable(budget: Budget): (line: PeriodSpend['lines'][number]) => boolean {
  const { scope } = budget;
  return (line) =>
    (!scope.services?.length || line.ServiceName !== undefined) &&
    (!scope.items?.length || line.ChargeDescription !== undefined) &&
    (!scope.resources?.length || line.ResourceId !== undefined) &&
    Object.keys(scope.tags ?? {}).every(() => line.Tags !== undefined) &&
    (budget.measure !== 'usage' || line.ConsumedQuantity !== undefined);
}

/**
 * Why a scope that selects no line of readings that have lines is most likely a typo, with what the
 * readings do hold, so the fix is in the message.
 */
function scopeMatchesNothing(budget: Budget, accounts: AccountSpend[]): string {
  const lines = accounts.flatMap((a) => a.spend.lines);
  const seen = (field: (line: PeriodSpend['lines'][number]) => string | undefined) => {
    const values = [...new Set(lines.map(field).filter((v): v is string => Boolean(v)))];
    return values.length === 0
      ? 'none'
      : `${values.slice(0, 5).join(', ')}${values.length > 5 ? ` and ${values.length - 5} more` : ''}`;
  };
  const { scope } = budget;
  const wanted = [
    scope.services?.length && `services ${scope.services.join(', ')} (seen: ${seen((l) => l.ServiceName)})`,
    scope.items?.length && `items ${scope.items.join(', ')} (seen: ${seen((l) => l.ChargeDescription)})`,
    scope.resources?.length && `resources ${scope.resources.join(', ')} (seen: ${seen((l) => l.ResourceId)})`,
    ...Object.entries(scope.tags ?? {}).map(
      ([name, value]) => `tag ${name}=${value} (seen: ${seen((l) => l.Tags?.[name])})`,
    ),
    budget.measure === 'usage' &&
      `unit ${budget.measureUnit} (seen: ${seen((l) => (l.ConsumedQuantity ? l.ConsumedUnit : undefined))})`,
  ].filter(Boolean);
  return `it selects none of the ${lines.length} lines its accounts report: ${wanted.join('; ')}; check the spelling (globs such as "Data*" are allowed)`;
}

/** The whole bill of the budget's accounts in its currency (for a resource's share of it). */
function billTotal(accounts: AccountSpend[], measure: Measure): Decimal {
  return accounts.reduce((sum, a) => sum.plus(measure.billOf(a.spend) ?? decimal(0)), decimal(0));
}

/** Reads the budget's measure (cost in its currency, or a usage quantity) out of one period spend. */
class Measure {
  private readonly service: (v: string | undefined) => boolean;
  private readonly item: (v: string | undefined) => boolean;
  private readonly resource: (v: string | undefined) => boolean;
  private readonly unit: (v: string | undefined) => boolean;
  private readonly tags: (readonly [string, (v: string | undefined) => boolean])[];

  constructor(
    private readonly budget: Budget,
    private readonly rates: ExchangeRates,
  ) {
    this.service = globMatcher(budget.scope.services);
    this.item = globMatcher(budget.scope.items);
    this.resource = globMatcher(budget.scope.resources);
    this.unit = globMatcher([budget.measureUnit]);
    this.tags = Object.entries(budget.scope.tags ?? {}).map(
      ([name, pattern]) => [name, globMatcher([pattern])] as const,
    );
  }

  /** The spend's whole bill in the budget's currency (undefined for usage budgets or usage-only data). */
  billOf(spend: PeriodSpend): Decimal | undefined {
    if (this.budget.measure === 'usage' || !spend.BilledCost) return undefined;
    return this.toBudgetCurrency(spend.BilledCost).amount;
  }

  /** `fixed`: the part of `total` that does not grow in the period, when the lines say which it is. */
  ofSpend({ spend, timeZone }: AccountSpend): {
    total: Decimal;
    fixed?: Decimal;
    daily?: DailyPoint[];
    lines: LineValue[];
  } {
    const lines = this.matchingLines(spend);
    if (this.budget.measure === 'usage') {
      return { total: sum(lines.map((l) => l.value)), lines };
    }
    if (isScoped(this.budget.scope)) {
      const total = sum(lines.map((l) => l.value));
      return {
        total,
        ...fixedPart(lines, total),
        daily: dailyFromLines(lines, spend, timeZone),
        lines,
      };
    }
    if (!spend.BilledCost) {
      throw new BudgetEvaluationError(
        this.budget.name,
        `account "${spend.accountId}" reports no cost in one currency (usage only, or charges in several currencies); give the budget a "unit" to budget its usage, or budget its resources one by one with each: resource`,
      );
    }
    const total = this.toBudgetCurrency(spend.BilledCost).amount;
    return {
      total,
      ...fixedPart(lines, total),
      daily: spend.daily?.map((d) => ({
        date: d.date,
        amount: this.toBudgetCurrency(d.BilledCost).amount,
      })),
      lines,
    };
  }

  private matchingLines(spend: PeriodSpend): LineValue[] {
    const scope = this.budget.scope;
    const out: LineValue[] = [];
    for (const line of spend.lines) {
      // A line is in scope when every constrained field is present on it and matches.
      if (scope.services?.length && !this.service(line.ServiceName)) continue;
      if (scope.items?.length && !this.item(line.ChargeDescription)) continue;
      if (scope.resources?.length && !this.resource(line.ResourceId)) continue;
      if (this.tags.some(([name, matches]) => !matches(line.Tags?.[name]))) continue;
      if (this.budget.measure === 'usage') {
        if (line.ConsumedQuantity && this.unit(line.ConsumedUnit))
          out.push({ line, value: line.ConsumedQuantity });
      } else if (line.BilledCost) {
        out.push({ line, value: this.toBudgetCurrency(line.BilledCost).amount });
      }
    }
    return out;
  }

  private toBudgetCurrency(money: Money): Money {
    if (!isCurrencyCode(this.budget.measureUnit))
      throw new BudgetEvaluationError(this.budget.name, `"${this.budget.measureUnit}" is not a currency`);
    try {
      return this.rates.convert(money, this.budget.measureUnit as CurrencyCode);
    } catch {
      throw new BudgetEvaluationError(
        this.budget.name,
        `the account bills in ${money.currency} but the budget is in ${this.budget.measureUnit}; add a rate {from: ${money.currency}, to: ${this.budget.measureUnit}, rate: ...} under "rates"`,
      );
    }
  }
}

/**
 * `{ fixed }`, what of `total` is not usage-based, when the lines state their ChargeFrequency (a Kill
 * Bill invoice's recurring and fixed items); nothing when they do not say.
 */
function fixedPart(lines: LineValue[], total: Decimal): { fixed?: Decimal } {
  if (!lines.some((l) => l.line.ChargeFrequency)) return {};
  const usageBased = sum(lines.filter((l) => l.line.ChargeFrequency === 'Usage-Based').map((l) => l.value));
  return { fixed: total.minus(usageBased) };
}

/** A scoped budget's daily series, from lines that carry their charge period (e.g. Cloudflare's). */
function dailyFromLines(lines: LineValue[], spend: PeriodSpend, timeZone: string): DailyPoint[] | undefined {
  if (lines.some((l) => !l.line.ChargePeriodStart)) return undefined;
  if (lines.length === 0) return spend.daily ? [] : undefined;
  return mergeDaily([
    lines.map((l) => ({ date: localDateKey(l.line.ChargePeriodStart!, timeZone), amount: l.value })),
  ]);
}

function sum(values: Decimal[]): Decimal {
  return values.reduce((total, v) => total.plus(v), decimal(0));
}
