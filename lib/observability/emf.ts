/**
 * CloudWatch embedded metric format (EMF): a metric is a JSON log line with an `_aws` block, which
 * CloudWatch Logs turns into a metric. No PutMetricData call, so no `cloudwatch:PutMetricData` on a `*`
 * resource in any role, and no request on the hot path. Format:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import type { CheckMetrics } from '../check/metrics.ts';

type EmfUnit = 'None' | 'Count' | 'Percent' | 'Milliseconds';

export interface EmfMetric {
  name: string;
  unit: EmfUnit;
  value: number;
}

export interface EmfOptions {
  namespace: string;
  /** Dimensions on every metric, e.g. { Stage: 'prod' }: alarms match them exactly. */
  dimensions: Record<string, string>;
  /** Where each EMF document goes: stdout in Lambda (CloudWatch Logs reads it from there). */
  write?: (line: string) => void;
  now?: () => Date;
}

/** Writes one EMF document: the metrics share the writer's base dimensions plus `dimensions`. */
export type EmfPut = (metrics: EmfMetric[], dimensions?: Record<string, string>) => void;

/** Writes one EMF document per call. */
export function emfWriter(options: EmfOptions): EmfPut {
  const write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  return (metrics, dimensions = {}) => {
    const all = { ...options.dimensions, ...dimensions };
    const document: Record<string, unknown> = {
      _aws: {
        Timestamp: now().getTime(),
        CloudWatchMetrics: [
          {
            Namespace: options.namespace,
            Dimensions: [Object.keys(all)],
            Metrics: metrics.map(({ name, unit }) => ({ Name: name, Unit: unit })),
          },
        ],
      },
      ...all,
    };
    // A metric value must be a finite number; NaN or Infinity would make CloudWatch drop the document.
    for (const { name, value } of metrics) document[name] = Number.isFinite(value) ? value : 0;
    write(JSON.stringify(document));
  };
}

/** Metric names, as the CloudWatch alarms in serverless.yml and the dashboards know them. */
/** The CloudWatch namespace of spendwatch's metrics (the alarms in serverless.yml read it). */
export const METRICS_NAMESPACE = 'Spendwatch';

export const METRIC = {
  budgetSpend: 'BudgetSpend',
  budgetPercent: 'BudgetPercent',
  providerErrors: 'ProviderErrors',
  // Per provider account and missing part: the account was read, a side call of its reading failed.
  partialReadings: 'PartialReadings',
  checkDuration: 'CheckDuration',
  accountsChecked: 'AccountsChecked',
  monitoringGap: 'MonitoringGap',
  budgetsBroken: 'BudgetsBroken',
  alertsDelivered: 'AlertsDelivered',
  publishFailures: 'PublishFailures',
  // Per stage only, so one alarm covers every kind: a guardrail action (or its undo) that failed.
  actionFailures: 'ActionFailures',
  // Per chargeback run of the csv-ingest function (dimension Account): usage records by outcome.
  chargebackRecorded: 'ChargebackRecorded',
  chargebackDuplicate: 'ChargebackDuplicate',
  chargebackSkipped: 'ChargebackSkipped',
  chargebackUnmapped: 'ChargebackUnmapped',
  chargebackFailed: 'ChargebackFailed',
  chargebackRetry: 'ChargebackRetry',
} as const;

/** The check's metrics as EMF: per budget (dimension Budget), per provider account, and per run. */
export function emfCheckMetrics(options: EmfOptions): CheckMetrics {
  const put = emfWriter(options);
  return {
    budgetEvaluated: ({ name, spent, percentOfBudget }) =>
      put(
        [
          // In the budget's own currency or unit: one budget never mixes them.
          { name: METRIC.budgetSpend, unit: 'None', value: spent },
          { name: METRIC.budgetPercent, unit: 'Percent', value: percentOfBudget },
        ],
        { Budget: name },
      ),
    providerError: ({ provider, account }) =>
      put([{ name: METRIC.providerErrors, unit: 'Count', value: 1 }], {
        Provider: provider,
        Account: account,
      }),
    partialReading: ({ provider, account, part }) =>
      put([{ name: METRIC.partialReadings, unit: 'Count', value: 1 }], {
        Provider: provider,
        Account: account,
        Part: part,
      }),
    actionFailed: () => put([{ name: METRIC.actionFailures, unit: 'Count', value: 1 }]),
    checkFinished: (run) =>
      put([
        { name: METRIC.checkDuration, unit: 'Milliseconds', value: run.durationMs },
        { name: METRIC.accountsChecked, unit: 'Count', value: run.accounts },
        { name: METRIC.monitoringGap, unit: 'Count', value: run.monitoringGaps },
        { name: METRIC.budgetsBroken, unit: 'Count', value: run.budgetsBroken },
        { name: METRIC.alertsDelivered, unit: 'Count', value: run.alertsDelivered },
        { name: METRIC.publishFailures, unit: 'Count', value: run.publishFailures },
      ]),
  };
}
