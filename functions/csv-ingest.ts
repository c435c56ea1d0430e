/**
 * S3 ObjectCreated under exports/soracom/: streams the billing CSV, writes its summary and records the
 * chargeback it makes due in Kill Bill (accounts with `chargeback`).
 */

import { s3ClientFromEnv, secretsManagerClientFromEnv, ssmClientFromEnv } from '../lib/aws/clients.ts';
import { readEnvironment } from '../lib/aws/environment.ts';
import { jsonLogger } from '../lib/log/index.ts';
import { emfWriter, METRICS_NAMESPACE } from '../lib/observability/emf.ts';
import { csvIngestJob } from '../lib/runtime/csv-ingest.ts';
import { awsSecretBackends } from '../lib/secrets/aws.ts';
import { envBackend, SecretResolver } from '../lib/secrets/index.ts';
import { systemClock } from '../lib/time/clock.ts';

const env = readEnvironment(process.env);

export const handler = csvIngestJob({
  env,
  s3: s3ClientFromEnv(env),
  clock: systemClock,
  logger: jsonLogger({ level: env.SPENDWATCH_LOG_LEVEL, fields: { function: 'csv-ingest' } }),
  // The Kill Bill credentials of chargeback, as the check resolves them.
  secrets: new SecretResolver([
    envBackend(),
    ...awsSecretBackends({ ssm: ssmClientFromEnv(env), secretsManager: secretsManagerClientFromEnv(env) }),
  ]),
  metrics:
    env.SPENDWATCH_METRICS === 'emf'
      ? emfWriter({ namespace: METRICS_NAMESPACE, dimensions: { Stage: env.SPENDWATCH_STAGE } })
      : undefined,
});
