/**
 * What the functions build the same way, once per cold start: their settings, their logger, where
 * their metrics go, and the clients of the state bucket and the secret stores. Each composition root
 * (check.ts, check-worker.ts, csv-ingest.ts, soracom-export.ts, slack-notifier.ts) adds its own.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { s3ClientFromEnv, secretsManagerClientFromEnv, ssmClientFromEnv } from '../aws/clients.ts';
import { type EnvironmentWith, type RuntimeEnvironment, readEnvironment } from '../aws/environment.ts';
import { jsonLogger, type Logger } from '../log/index.ts';
import { type EmfOptions, METRICS_NAMESPACE } from '../observability/emf.ts';
import { awsSecretBackends } from '../secrets/aws.ts';
import { envBackend, type SecretBackend, SecretResolver } from '../secrets/index.ts';
import { type Clock, systemClock } from '../time/clock.ts';

/** What a function that keeps state in the bucket starts from (all but the Slack notifier). */
export interface SharedDependencies<K extends keyof RuntimeEnvironment = never> {
  env: EnvironmentWith<'SPENDWATCH_BUCKET' | K>;
  s3: S3Client;
  clock: Clock;
  logger: Logger;
  secrets: SecretResolver;
}

/** The settings, with SPENDWATCH_BUCKET and the `required` ones, and the adapters built from them. */
export function sharedDependencies<K extends keyof RuntimeEnvironment = never>(
  env: NodeJS.ProcessEnv,
  functionName: string,
  required: readonly K[] = [],
): SharedDependencies<K> {
  const settings = readEnvironment(env, ['SPENDWATCH_BUCKET', ...required]);
  return {
    env: settings,
    s3: s3ClientFromEnv(settings),
    clock: systemClock,
    logger: functionLogger(settings, functionName),
    // env: references work too (e.g. a test stage); ssm:/secretsmanager: are the production path.
    secrets: new SecretResolver([envBackend(env), ...awsSecrets(settings)], secretCache(settings)),
  };
}

/** Resolved secrets live SPENDWATCH_SECRET_CACHE_SECONDS, so a rotation reaches a warm container. */
export function secretCache(settings: RuntimeEnvironment): { ttlMs: number } {
  return { ttlMs: settings.SPENDWATCH_SECRET_CACHE_SECONDS * 1000 };
}

/** JSON lines at SPENDWATCH_LOG_LEVEL, each naming the function. */
export function functionLogger(settings: RuntimeEnvironment, functionName: string): Logger {
  return jsonLogger({ level: settings.SPENDWATCH_LOG_LEVEL, fields: { function: functionName } });
}

/** The ssm: and secretsmanager: secret backends, with their clients. */
export function awsSecrets(settings: RuntimeEnvironment): SecretBackend[] {
  return awsSecretBackends({
    ssm: ssmClientFromEnv(settings),
    secretsManager: secretsManagerClientFromEnv(settings),
  });
}

/** Where EMF metrics go with SPENDWATCH_METRICS=emf: one namespace, the stage as dimension (the alarms match it). */
export function emfOptions(settings: RuntimeEnvironment): EmfOptions | undefined {
  if (settings.SPENDWATCH_METRICS !== 'emf') return undefined;
  return { namespace: METRICS_NAMESPACE, dimensions: { Stage: settings.SPENDWATCH_STAGE } };
}
