/**
 * Composition root of the billing-CSV ingest Lambda (S3 ObjectCreated under exports/soracom/):
 * summarise each new export, and record the chargeback it makes due in Kill Bill (accounts with
 * `chargeback`). It reads the config for that, but connects to no billing provider.
 */
import * as z from 'zod';
import { type ChargebackOutcome, planChargeback } from '../chargeback/chargeback.ts';
import { readNeedsOf } from '../check/read-needs.ts';
import { type EmfMetric, type EmfPut, emfWriter, METRIC } from '../observability/emf.ts';
import { ingestSoracomExport } from '../providers/soracom/billing-csv/ingest.ts';
import { parseExportKey } from '../providers/soracom/billing-csv/keys.ts';
import { S3ObjectStore } from '../state/s3-store.ts';
import { loadRuntimeConfig } from './config-source.ts';
import { emfOptions, sharedDependencies } from './shared-dependencies.ts';
// A type only: the ingest bundle does not carry the export job.
import type { JobDependencies } from './soracom-export.ts';

/** The export job's dependencies (config, secrets for the Kill Bill credentials, HTTP), and metrics. */
export interface CsvIngestDependencies extends JobDependencies {
  /** Where each chargeback run's counts go as metrics (EMF); none unless given. */
  metrics?: EmfPut;
}

/** An S3 event notification delivered to Lambda directly (only the fields used); keys are URL-encoded. */
const S3Notification = z.object({
  Records: z
    .array(
      z.object({
        eventName: z.string().startsWith('ObjectCreated:'),
        s3: z.object({
          bucket: z.object({ name: z.string() }),
          object: z.object({ key: z.string(), size: z.number().optional() }),
        }),
      }),
    )
    .min(1),
});

/** The same through EventBridge, as serverless.yml routes it (the bucket's EventBridge notifications). */
const EventBridgeObjectCreated = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string() }),
  }),
});

const CreatedObjects = z.union([S3Notification, EventBridgeObjectCreated]);

/** Bucket and (decoded) key of each object an event reports created. */
function createdObjects(event: unknown): { bucket: string; key: string }[] {
  const parsed = CreatedObjects.safeParse(event);
  if (!parsed.success) {
    throw new Error(
      `unexpected event: expected S3 ObjectCreated records or an EventBridge "Object Created" event from aws.s3; got ${JSON.stringify(event).slice(0, 200)}`,
    );
  }
  if ('detail' in parsed.data) {
    const { bucket, object } = parsed.data.detail;
    return [{ bucket: bucket.name, key: object.key }];
  }
  return parsed.data.Records.map((record) => ({
    bucket: record.s3.bucket.name,
    // S3 notification keys are URL-encoded, with "+" for spaces.
    key: decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')),
  }));
}

/** What Lambda passes as the handler's second argument (only what is used). */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

export interface CsvIngestResult {
  summarised: string[];
  chargeback: ChargebackOutcome[];
}

export function csvIngestFromEnvironment(
  env: NodeJS.ProcessEnv,
): (event: unknown, context?: LambdaContext) => Promise<CsvIngestResult> {
  const shared = sharedDependencies(env, 'csv-ingest');
  const emf = emfOptions(shared.env);
  return csvIngestJob({ ...shared, metrics: emf && emfWriter(emf) });
}

/**
 * Summarises each new export and, for accounts with `chargeback`, records the settled days it makes
 * due in Kill Bill. Throws (after every export of the event is done) when Kill Bill failed in a way
 * a retry can fix, so Lambda retries and the errors alarm sees it; the watermark makes that safe.
 */
export function csvIngestJob(
  deps: CsvIngestDependencies,
): (event: unknown, context?: LambdaContext) => Promise<CsvIngestResult> {
  const store = new S3ObjectStore({
    client: deps.s3,
    bucket: deps.env.SPENDWATCH_BUCKET,
    prefix: deps.env.SPENDWATCH_STATE_PREFIX,
  });
  return async (event, context) => {
    const objects = createdObjects(event);
    const config = await (deps.config?.() ?? loadRuntimeConfig(deps.env.SPENDWATCH_CONFIG, deps.s3));
    const chargebackDeps = {
      store,
      secrets: deps.secrets,
      clock: deps.clock,
      logger: deps.logger,
      http: deps.http,
      remainingMs: context && (() => context.getRemainingTimeInMillis()),
    };
    const result: CsvIngestResult = { summarised: [], chargeback: [] };
    for (const { bucket, key } of objects) {
      const parts = parseExportKey(key, deps.env.SPENDWATCH_STATE_PREFIX);
      const plan = parts && (await planChargeback(chargebackDeps, config, key, parts));
      const stored = await ingestSoracomExport({
        s3: deps.s3,
        bucket,
        key,
        prefix: deps.env.SPENDWATCH_STATE_PREFIX,
        logger: deps.logger,
        itemDays: plan?.itemDays,
        deviceDays: parts !== undefined && readNeedsOf(config, parts.accountId).resourceDays === true,
      });
      if (!stored) continue;
      result.summarised.push(key);
      if (!plan) continue;
      const outcome = await plan.record(stored);
      result.chargeback.push(outcome);
      deps.metrics?.(chargebackMetrics(outcome), { Account: outcome.account });
    }
    const failing = result.chargeback.filter((outcome) => outcome.counts.retry > 0);
    if (failing.length > 0) {
      throw new Error(
        `chargeback to Kill Bill incomplete for ${failing.map((o) => `${o.account} ${o.month}`).join(', ')}: Kill Bill failed (see the logs); retried from the watermark`,
      );
    }
    return result;
  };
}

function chargebackMetrics({ counts }: ChargebackOutcome): EmfMetric[] {
  return [
    { name: METRIC.chargebackRecorded, unit: 'Count', value: counts.recorded },
    { name: METRIC.chargebackDuplicate, unit: 'Count', value: counts.duplicate },
    { name: METRIC.chargebackSkipped, unit: 'Count', value: counts.skipped },
    { name: METRIC.chargebackUnmapped, unit: 'Count', value: counts.unmapped },
    { name: METRIC.chargebackFailed, unit: 'Count', value: counts.failed },
    { name: METRIC.chargebackRetry, unit: 'Count', value: counts.retry },
  ];
}
