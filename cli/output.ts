import type { Alert } from '../lib/alerts/alert.ts';
import { formatAmount, formatPercent } from '../lib/alerts/format.ts';
import { actionLines, missingPartText } from '../lib/alerts/wording.ts';
import { measuredAmount, measuredSpend } from '../lib/budgets/status.ts';
import type { CheckReport } from '../lib/check/types.ts';

/** The human-readable summary of a check: one line per account and budget, then the alerts. */
export function describeReport(report: CheckReport): string {
  const lines: string[] = [`spendwatch check at ${report.at.toISOString()}`, ''];
  for (const outcome of report.accounts) {
    const head = `  ${outcome.account.id} (${outcome.account.provider})`;
    if (outcome.status === 'ok') {
      const cost = outcome.spend.BilledCost;
      const kept = outcome.keptFrom
        ? ` (not due: kept from the read at ${outcome.keptFrom.toISOString()})`
        : '';
      lines.push(
        `${head}: ${cost ? formatAmount(cost.amount, cost.currency) : 'usage only'} as of ${outcome.spend.asOf.toISOString()}${kept}`,
        ...(outcome.spend.missing ?? []).map((missing) => `    partial: ${missingPartText(missing)}`),
      );
    } else if (outcome.status === 'pending') {
      lines.push(`${head}: pending (${outcome.reason})`);
    } else {
      lines.push(`${head}: ERROR ${outcome.error.message}`);
    }
  }
  lines.push('');
  for (const outcome of report.budgets) {
    if (outcome.status === 'evaluated') {
      const e = outcome.evaluation;
      const forecast = e.forecast
        ? `, forecast ${formatAmount(e.forecast.amount.round(2), e.budget.measureUnit)}`
        : '';
      lines.push(
        `  ${outcome.budget}: ${formatAmount(measuredSpend(e), e.budget.measureUnit)} of ${formatAmount(measuredAmount(e), e.budget.measureUnit)} (${formatPercent(e.percent)})${forecast}${e.stale ? ' [stale]' : ''}`,
      );
    } else {
      lines.push(
        `  ${outcome.budget}: ${outcome.status === 'skipped' ? `skipped: ${outcome.reason}` : `ERROR ${outcome.error.message}`}`,
      );
    }
  }
  const sections: [string, Alert[]][] = [
    ['Delivered', report.delivered],
    ['Would send (dry run)', report.suppressed.filter((s) => s.reason === 'dry-run').map((s) => s.alert)],
    ['Publish failed (retried next run)', report.failed.map((f) => f.alert)],
  ];
  for (const [title, alerts] of sections) {
    if (alerts.length === 0) continue;
    lines.push('', `${title}:`);
    for (const alert of alerts) {
      lines.push(`  [${alert.severity}] ${alert.headline}`);
      // What the guardrails proposed or did (or, on a dry run, would): the action and its link.
      for (const action of actionLines(alert)) {
        lines.push(`      action: ${action.text}`);
        if (action.link) lines.push(`      ${action.link.label}: ${action.link.url}`);
      }
    }
  }
  const already = report.suppressed.filter((s) => s.reason !== 'dry-run').length;
  if (already > 0)
    lines.push('', `${already} crossing(s) already alerted earlier this period (not sent again).`);
  if (report.delivered.length + report.suppressed.length + report.failed.length === 0)
    lines.push('', 'No threshold crossed.');
  return lines.join('\n');
}

/** `--json`: one alert object per line. */
export function alertsAsJsonLines(alerts: Alert[]): string {
  return alerts.map((alert) => JSON.stringify(alert)).join('\n');
}
