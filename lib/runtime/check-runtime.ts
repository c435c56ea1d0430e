/**
 * What the scheduled check and its fan-out worker share: the adapters every function has
 * (shared-dependencies.ts) with the SNS publisher (and the event bus, when set) and the check's EMF
 * metrics, built once per container, and runCheck with this deployment's state. The EventBridge
 * client is imported here only, so only these two bundles carry it. The work queue's SQS client is
 * the check's alone (check.ts), so the worker's bundle does not carry it.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { EventSink } from '../actions/event-sink.ts';
import { eventBridgeClientFromEnv, snsClientFromEnv } from '../aws/clients.ts';
import { EventBridgeSink } from '../aws/event-bus.ts';
import type { CheckMetrics } from '../check/metrics.ts';
import { runCheck } from '../check/run-check.ts';
import type { CheckReport } from '../check/types.ts';
import type { Config } from '../config/config.ts';
import { EventBusAlertPublisher } from '../notify/event-channel.ts';
import type { AlertPublisher } from '../notify/publisher.ts';
import { SnsAlertPublisher } from '../notify/sns.ts';
import { emfCheckMetrics } from '../observability/emf.ts';
import { soracomCsvEnricher } from '../providers/soracom/billing-csv/breakdown.ts';
import { renderReportHtml } from '../report/html.ts';
import { HealthTracker } from '../state/account-health.ts';
import { KeptReadings } from '../state/kept-readings.ts';
import { AlertLedger } from '../state/ledger.ts';
import { S3ObjectStore } from '../state/s3-store.ts';
import { deployedGuardrails, guardrailsFor, hasActions } from './guardrails.ts';
import { emfOptions, type SharedDependencies, sharedDependencies } from './shared-dependencies.ts';

export interface CheckRuntime extends SharedDependencies<'SPENDWATCH_TOPIC_ARN'> {
  /** SNS, and the event bus too when SPENDWATCH_EVENT_BUS is set. */
  publisher: AlertPublisher;
  /** Where runCheck reports spend, durations and failures; none unless given. */
  metrics?: CheckMetrics;
  /** Where `do: event` actions put their alert. */
  events?: EventSink;
}

/** The real adapters, built once per container from the environment; `functionName` tags every log line. */
export function runtimeDependencies(env: NodeJS.ProcessEnv, functionName: string): CheckRuntime {
  const shared = sharedDependencies(env, functionName, ['SPENDWATCH_TOPIC_ARN']);
  const emf = emfOptions(shared.env);
  const sns = new SnsAlertPublisher({
    client: snsClientFromEnv(shared.env),
    topicArn: shared.env.SPENDWATCH_TOPIC_ARN,
    logger: shared.logger,
  });
  const bus = shared.env.SPENDWATCH_EVENT_BUS;
  const events = new EventBridgeSink(eventBridgeClientFromEnv(shared.env));
  return {
    ...shared,
    publisher: bus ? new EventBusAlertPublisher(sns, events, bus) : sns,
    metrics: emf && emfCheckMetrics(emf),
    events,
  };
}

/** runCheck with this deployment's state (ledger, health and kept readings in S3), for the check and its workers. */
export function checkRunner(
  deps: CheckRuntime,
): (config: Config, accountIds?: string[]) => Promise<CheckReport & { reportKey: string }> {
  const store = new S3ObjectStore({
    client: deps.s3,
    bucket: deps.env.SPENDWATCH_BUCKET,
    prefix: deps.env.SPENDWATCH_STATE_PREFIX,
  });
  const ledger = new AlertLedger(store);
  const health = new HealthTracker(store);
  const keptReadings = new KeptReadings(store);
  return async (config, accountIds) => {
    // The report is written after the run, but its link goes into the run's alerts: presign it first.
    const stamp = deps.clock.now().toISOString().replace(/[:.]/g, '-');
    const reportKey = `${deps.env.SPENDWATCH_STATE_PREFIX}reports/${stamp}${accountIds ? `-${accountIds[0]}` : ''}.html`;
    const hours = deps.env.SPENDWATCH_REPORT_LINK_HOURS;
    const url = await getSignedUrl(
      deps.s3,
      new GetObjectCommand({ Bucket: deps.env.SPENDWATCH_BUCKET, Key: reportKey }),
      {
        expiresIn: Math.round(hours * 3600),
      },
    );
    const report = await runCheck(
      config,
      {
        clock: deps.clock,
        logger: deps.logger,
        secrets: deps.secrets,
        publisher: deps.publisher,
        ledger,
        health,
        keptReadings,
        metrics: deps.metrics,
        // Per-SIM breakdown from the latest billing-CSV summary in the same bucket.
        enrich: soracomCsvEnricher(store),
        ...(hasActions(config) && {
          guardrails: await guardrailsFor(
            config,
            deployedGuardrails(deps, store, deps.env.SPENDWATCH_ACTIONS_URL),
          ),
        }),
      },
      { accountIds, concurrency: deps.env.SPENDWATCH_CONCURRENCY, reportLink: { url, validForHours: hours } },
    );
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.env.SPENDWATCH_BUCKET,
        Key: reportKey,
        Body: renderReportHtml(report, { timeZone: config.timeZone }),
        ContentType: 'text/html; charset=utf-8',
      }),
    );
    return Object.assign(report, { reportKey });
  };
}
