/**
 * Scheduled: exports each Soracom account's Detailed Billing CSV (the month in progress; the month
 * just closed in the first days of a month) into the bucket under exports/soracom/.
 */

import { s3ClientFromEnv, secretsManagerClientFromEnv, ssmClientFromEnv } from '../lib/aws/clients.ts';
import { readEnvironment } from '../lib/aws/environment.ts';
import { jsonLogger } from '../lib/log/index.ts';
import { soracomExportJob } from '../lib/runtime/soracom-export.ts';
import { awsSecretBackends } from '../lib/secrets/aws.ts';
import { envBackend, SecretResolver } from '../lib/secrets/index.ts';
import { systemClock } from '../lib/time/clock.ts';

const env = readEnvironment(process.env);

export const handler = soracomExportJob({
  env,
  s3: s3ClientFromEnv(env),
  clock: systemClock,
  logger: jsonLogger({ fields: { function: 'soracom-export' } }),
  secrets: new SecretResolver([
    envBackend(),
    ...awsSecretBackends({ ssm: ssmClientFromEnv(env), secretsManager: secretsManagerClientFromEnv(env) }),
  ]),
});
