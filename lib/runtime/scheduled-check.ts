/**
 * Composition root of the scheduled check Lambda and its fan-out worker: real adapters (S3 state, SNS,
 * SSM/Secrets Manager, SQS, EMF metrics on stdout) wired around the same runCheck the CLI runs. Built
 * once per container; each invocation re-reads the config (cheap, and a config change in S3 applies
 * without a deploy).
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import * as z from 'zod';
import { HealthTracker } from '../check/health.ts';
import type { CheckMetrics } from '../check/metrics.ts';
import { type CheckReport, runCheck } from '../check/run-check.ts';
import type { Config } from '../config/config.ts';
import { soracomCsvEnricher } from '../ingest/soracom-breakdown.ts';
import { jsonLogger, type Logger } from '../log/index.ts';
import { SnsAlertPublisher, snsClientFromEnv } from '../notify/sns.ts';
import { emfCheckMetrics } from '../observability/emf.ts';
import { renderReportHtml } from '../report/html.ts';
import { awsSecretBackends } from '../secrets/aws.ts';
import { envBackend, SecretResolver } from '../secrets/index.ts';
import { AlertLedger } from '../state/ledger.ts';
import { S3ObjectStore, s3ClientFromEnv } from '../state/s3-store.ts';
import type { Clock } from '../time/clock.ts';
import { systemClock } from '../time/clock.ts';
import { loadRuntimeConfig } from './config-source.ts';
import { type RuntimeEnvironment, readEnvironment } from './environment.ts';
import { enqueueBatches, planBatches, sqsClientFromEnv, watchedAccounts } from './fan-out.ts';

/** The CloudWatch namespace of spendwatch's metrics (the alarms in serverless.yml read it). */
export const METRICS_NAMESPACE = 'Spendwatch';

/** EventBridge's scheduled event, or a manual/fan-out invocation naming accounts. */
export const CheckEvent = z.union([
  z.object({ 'detail-type': z.literal('Scheduled Event'), time: z.string().optional() }).loose(),
  z.object({ accountIds: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({}).strict(),
]);

export interface CheckSummary {
  at: string;
  accounts: number;
  accountErrors: string[];
  accountsPending: string[];
  budgets: number;
  delivered: string[];
  suppressed: number;
  publishFailures: string[];
  /** Where this run's burn-up report was written (alerts link it). */
  reportKey: string;
}

export interface ScheduledCheckDependencies {
  env: RuntimeEnvironment;
  s3: S3Client;
  clock: Clock;
  logger: Logger;
  secrets: SecretResolver;
  publisher: SnsAlertPublisher;
  /** Where runCheck reports spend, durations and failures; none unless given. */
  metrics?: CheckMetrics;
  /** The work queue's client; without it the check never fans out. */
  sqs?: SQSClient;
}

/** What a fanned-out tick did: it read nothing itself, the workers report per batch. */
export interface FanOutSummary {
  at: string;
  accounts: number;
  batchesEnqueued: number;
}

/** The real adapters, built once per container from the environment; `functionName` tags every log line. */
export function runtimeDependencies(
  env: NodeJS.ProcessEnv,
  functionName: string,
): ScheduledCheckDependencies {
  const settings = readEnvironment(env, ['SPENDWATCH_TOPIC_ARN']);
  const logger = jsonLogger({ level: settings.SPENDWATCH_LOG_LEVEL, fields: { function: functionName } });
  return {
    env: settings,
    s3: s3ClientFromEnv(env),
    clock: systemClock,
    logger,
    // env: references work too (e.g. a test stage); ssm:/secretsmanager: are the production path.
    secrets: new SecretResolver([envBackend(env), ...awsSecretBackends()]),
    publisher: new SnsAlertPublisher({
      client: snsClientFromEnv(env),
      topicArn: settings.SPENDWATCH_TOPIC_ARN,
      logger,
    }),
    metrics:
      settings.SPENDWATCH_METRICS === 'emf'
        ? emfCheckMetrics({ namespace: METRICS_NAMESPACE, dimensions: { Stage: settings.SPENDWATCH_STAGE } })
        : undefined,
    sqs: settings.SPENDWATCH_WORK_QUEUE_URL ? sqsClientFromEnv(env) : undefined,
  };
}

export function scheduledCheckFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): (event: unknown) => Promise<CheckSummary | FanOutSummary> {
  return scheduledCheck(runtimeDependencies(env, 'check'));
}

export function scheduledCheck(
  deps: ScheduledCheckDependencies,
): (event: unknown) => Promise<CheckSummary | FanOutSummary> {
  const check = checkRunner(deps);
  const threshold = deps.env.SPENDWATCH_FANOUT_THRESHOLD;
  return async (event) => {
    const parsed = CheckEvent.safeParse(event);
    if (!parsed.success) {
      throw new Error(
        `unexpected event: expected an EventBridge "Scheduled Event" or {"accountIds": [...]}; got ${JSON.stringify(event).slice(0, 200)}`,
      );
    }
    const accountIds = 'accountIds' in parsed.data ? (parsed.data.accountIds as string[]) : undefined;
    const config = await loadRuntimeConfig(deps.env.SPENDWATCH_CONFIG, deps.s3);
    const watched = watchedAccounts(config).length;
    if (!accountIds && watched > threshold) {
      const queueUrl = deps.env.SPENDWATCH_WORK_QUEUE_URL;
      if (deps.sqs && queueUrl) {
        const batches = planBatches(config, deps.env.SPENDWATCH_FANOUT_BATCH_SIZE);
        await enqueueBatches(deps.sqs, queueUrl, batches);
        deps.logger.info('accounts fanned out to the work queue', {
          accounts: watched,
          batches: batches.length,
        });
        return { at: deps.clock.now().toISOString(), accounts: watched, batchesEnqueued: batches.length };
      }
      deps.logger.warn('more accounts than the fan-out threshold but no work queue; reading them all here', {
        accounts: watched,
        threshold,
      });
    }
    return summarise(await check(config, accountIds));
  };
}

/** runCheck with this deployment's state (ledger and health in S3), for the check and its workers. */
export function checkRunner(
  deps: ScheduledCheckDependencies,
): (config: Config, accountIds?: string[]) => Promise<CheckReport & { reportKey: string }> {
  const store = new S3ObjectStore({
    client: deps.s3,
    bucket: deps.env.SPENDWATCH_BUCKET,
    prefix: deps.env.SPENDWATCH_STATE_PREFIX,
  });
  const ledger = new AlertLedger(store);
  const health = new HealthTracker(store);
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
        metrics: deps.metrics,
        // Per-SIM breakdown from the latest billing-CSV summary in the same bucket.
        enrich: soracomCsvEnricher(store),
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

function summarise(report: CheckReport & { reportKey: string }): CheckSummary {
  return {
    at: report.at.toISOString(),
    accounts: report.accounts.length,
    accountErrors: report.accounts.filter((a) => a.status === 'error').map((a) => a.account.id),
    accountsPending: report.accounts.filter((a) => a.status === 'pending').map((a) => a.account.id),
    budgets: report.budgets.length,
    delivered: report.delivered.map((a) => a.dedupKey),
    suppressed: report.suppressed.length,
    publishFailures: report.failed.map((f) => f.alert.dedupKey),
    reportKey: report.reportKey,
  };
}
