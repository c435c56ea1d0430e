import type { BudgetStatus, Crossing } from '../budgets/evaluate.ts';
import { decimal } from '../money/index.ts';
import { localDateKey } from '../time/zoned.ts';
import type { Alert } from './alert.ts';
import { formatAmount, formatLocal, formatPercent } from './format.ts';

/** Turns one crossing of an evaluated budget into the alert people receive. */
export function buildAlert(
  status: BudgetStatus,
  crossing: Crossing,
  detectedAt: Date,
  event: 'crossed' | 'back-under' = 'crossed',
): Alert {
  const { budget } = status;
  const providers = [...new Set(status.accounts.map((a) => a.provider))];
  const thresholdId = event === 'back-under' ? `${crossing.id}.back-under` : crossing.id;
  const resource = crossing.resource;
  // A per-resource crossing is about that resource: its spend against the per-resource budget.
  const spent = resource ? resource.value : status.spent;
  const percent = resource
    ? budget.amount.eq(0)
      ? status.percent
      : resource.value.div(budget.amount).times(100)
    : status.percent;
  // Contributors are shares of what the alert says was spent: for a resource, the resource itself.
  const contributors = resource
    ? [
        {
          kind: 'resource' as const,
          name: resource.name ? `${resource.name} (${resource.id})` : resource.id,
          cost: resource.value.toFixed(),
          share: '100.0',
          ...(resource.tags && { tags: resource.tags }),
        },
      ]
    : status.contributors;
  return {
    version: 1,
    dedupKey: `${budget.name}/${status.periodKey}/${thresholdId}`,
    event,
    budget: budget.name,
    account: budget.accountIds.join(','),
    accounts: budget.accountIds,
    provider: providers.join(','),
    threshold: crossing.written,
    thresholdId,
    basis: crossing.basis,
    severity: event === 'back-under' ? 'info' : crossing.severity,
    measure: budget.measure,
    currency: budget.measureUnit,
    unit: budget.measureUnit,
    spent: spent.toFixed(),
    budgetAmount: budget.amount.toFixed(),
    percent: percent.toFixed(1),
    observed: crossing.observed.toFixed(),
    ...(status.forecast && {
      forecast: {
        amount: status.forecast.amount.round(2).toFixed(),
        method: status.forecast.method,
        inputs: status.forecast.inputs,
      },
    }),
    periodKey: status.periodKey,
    periodStart: status.periodStart.toISOString(),
    periodEnd: status.periodEnd.toISOString(),
    asOf: status.asOf.toISOString(),
    detectedAt: detectedAt.toISOString(),
    contributors,
    headline: headline(status, crossing, event),
    details: details(status, crossing),
  };
}

function headline(status: BudgetStatus, crossing: Crossing, event: 'crossed' | 'back-under'): string {
  const { budget } = status;
  const money = (value: Parameters<typeof formatAmount>[0]) => formatAmount(value, budget.measureUnit);
  const ofBudget = `${money(status.spent)} of ${money(budget.amount)} (${formatPercent(status.percent)})`;
  const spent = budget.measure === 'usage' ? 'used' : 'spent';
  if (event === 'back-under') {
    return `${budget.name}: forecast is back under its ${crossing.written} threshold (${money(crossing.observed)} projected; ${ofBudget} ${spent})`;
  }
  if (crossing.resource) {
    const r = crossing.resource;
    const tags =
      r.tags && Object.keys(r.tags).length
        ? ` (${Object.entries(r.tags)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')})`
        : '';
    const when = r.date ? `on ${r.date}` : 'this period';
    return `${budget.name}: ${r.name ?? r.id}${tags} ${spent} ${money(r.value)} ${when}, over the ${crossing.written} per-resource budget of ${money(budget.amount)}; ${r.shareOfBill}% of the whole bill`;
  }
  switch (crossing.basis) {
    case 'actual':
      return `${budget.name} has ${spent} ${ofBudget}, crossing its ${crossing.written} threshold`;
    case 'forecast':
      return `${budget.name} is forecast to reach ${money(crossing.observed)} by period end, crossing its forecast ${crossing.written} threshold (${ofBudget} so far)`;
    case 'pace':
      return `${budget.name} is ${formatPercent(crossing.observed)} ahead of a straight-line burn (pace threshold ${crossing.written}; ${ofBudget} ${spent})`;
    case 'anomaly': {
      const finding = crossing.anomaly!;
      return `${budget.name} ${spent} ${money(finding.amount)} on ${finding.date}, far above its usual ${money(finding.baseline)} a day`;
    }
  }
}

function details(status: BudgetStatus, crossing: Crossing): string[] {
  const lines: string[] = [];
  const tz = status.timeZone;
  lines.push(
    `Period ${localDateKey(status.periodStart, tz)} to ${localDateKey(new Date(status.periodEnd.getTime() - 1), tz)} (${tz}); provider figure as of ${formatLocal(status.asOf, tz)}`,
  );
  if (status.pace) {
    lines.push(
      `Straight-line burn expects ${formatAmount(status.pace.expected.round(2), status.budget.measureUnit)} by now (${formatPercent(status.pace.aheadPercent)} vs pace)`,
    );
  }
  if (crossing.resource) {
    const others = status.contributors.filter(
      (c) => c.kind === 'resource' && !c.name.includes(crossing.resource!.id),
    );
    lines.push(
      `${crossing.resource.id} is ${crossing.resource.shareOfBill}% of the whole bill (${formatAmount(
        status.accounts.reduce((sum, a) => sum.plus(a.spend.BilledCost?.amount ?? 0), decimal(0)),
        status.budget.measureUnit,
      )})`,
    );
    if (others.length > 0)
      lines.push(
        `Next largest: ${others.map((c) => `${c.name} ${formatAmount(c.cost, status.budget.measureUnit)}`).join(', ')}`,
      );
  }
  if (crossing.anomaly) {
    const a = crossing.anomaly;
    lines.push(
      `Baseline: median of the previous ${a.baselineDays} days ${formatAmount(a.baseline, status.budget.measureUnit)}, robust spread ${formatAmount(a.spread.round(2), status.budget.measureUnit)}; this day is ${a.score === Number.POSITIVE_INFINITY ? 'infinitely many' : a.score} spreads above`,
    );
  }
  if (status.stale)
    lines.push(
      `The provider figure is older than ${status.budget.staleAfterHours} h: forecasts are paused until it refreshes`,
    );
  return lines;
}
