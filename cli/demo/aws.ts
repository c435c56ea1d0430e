/**
 * The simulated world's AWS side: a local SNS mailbox (fauxqs) and the Soracom billing-CSV pipeline
 * run into the same emulator's S3, exactly as the export and ingest Lambdas run it, so every command
 * under --simulate sees each SIM with its tags.
 */

import { readEnvironment } from '../../lib/aws/environment.ts';
import type { ChargebackOutcome } from '../../lib/chargeback/chargeback.ts';
import type { CheckDependencies } from '../../lib/check/types.ts';
import type { Config } from '../../lib/config/config.ts';
import type { Logger } from '../../lib/log/index.ts';
import { soracomCsvEnricher } from '../../lib/providers/soracom/billing-csv/breakdown.ts';
import { csvIngestJob } from '../../lib/runtime/csv-ingest.ts';
import { soracomExportJob } from '../../lib/runtime/soracom-export.ts';
import type { SecretResolver } from '../../lib/secrets/index.ts';
import { S3ObjectStore } from '../../lib/state/s3-store.ts';
import type { Clock } from '../../lib/time/clock.ts';
import { DEMO_BUCKET, type DemoInbox, startDemoInbox } from './inbox.ts';

export interface DemoAws {
  inbox: DemoInbox;
  enrich: NonNullable<CheckDependencies['enrich']>;
  /** What the ingest recorded in Kill Bill for the accounts with `chargeback`. */
  chargeback: ChargebackOutcome[];
  stop(): Promise<void>;
}

export async function startDemoAws(
  config: Config,
  clock: Clock,
  logger: Logger,
  secrets: SecretResolver,
): Promise<DemoAws> {
  const inbox = await startDemoInbox(logger, 'Asia/Tokyo');
  try {
    const env = readEnvironment({ SPENDWATCH_BUCKET: DEMO_BUCKET, SPENDWATCH_STATE_PREFIX: '' });
    const jobs = {
      env,
      s3: inbox.s3,
      clock,
      logger,
      secrets,
      config: async () => config,
      http: { sleep: () => Promise.resolve() },
    };
    const { exported } = await soracomExportJob(jobs)();
    const { chargeback } = await csvIngestJob(jobs)({
      Records: exported.map((key) => ({
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: DEMO_BUCKET }, object: { key } },
      })),
    });
    return {
      inbox,
      chargeback,
      enrich: soracomCsvEnricher(new S3ObjectStore({ client: inbox.s3, bucket: DEMO_BUCKET })),
      stop: () => inbox.stop(),
    };
  } catch (error) {
    await inbox.stop();
    throw error;
  }
}
