/**
 * Every AWS SDK client the functions use, one factory each, made from the parsed environment
 * (lib/aws/environment.ts): region and credentials as the SDK finds them, or, with the client's
 * endpoint override set (e.g. SPENDWATCH_SNS_ENDPOINT), that endpoint, with region us-east-1 unless
 * set and the environment's keys, or placeholders that local emulators accept. Nothing is made at
 * import time, so a bundle carries only the clients its function makes.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import type * as z from 'zod';
import { RuntimeEnvironment } from './environment.ts';

/** The variables the factories read: the AWS SDK's own and the endpoint overrides. */
const ClientEnvironment = RuntimeEnvironment.pick({
  AWS_REGION: true,
  AWS_DEFAULT_REGION: true,
  AWS_ACCESS_KEY_ID: true,
  AWS_SECRET_ACCESS_KEY: true,
  AWS_SESSION_TOKEN: true,
  AWS_PROFILE: true,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: true,
  SPENDWATCH_S3_ENDPOINT: true,
  SPENDWATCH_SNS_ENDPOINT: true,
  SPENDWATCH_SQS_ENDPOINT: true,
  SPENDWATCH_SSM_ENDPOINT: true,
  SPENDWATCH_SECRETS_MANAGER_ENDPOINT: true,
  SPENDWATCH_EVENTBRIDGE_ENDPOINT: true,
});
export type ClientEnvironment = z.output<typeof ClientEnvironment>;
type EndpointVariable = Extract<keyof ClientEnvironment, `SPENDWATCH_${string}`>;

/** The functions pass their settings; the CLI and the tests may leave it to process.env. */
const processEnvironment = (): ClientEnvironment => ClientEnvironment.parse(process.env);

interface ClientConfig {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/**
 * Path-style addressing, and checksums only where the API requires them: emulators and other S3
 * implementations mishandle virtual-host buckets and the SDK's default aws-chunked framing.
 */
export function s3ClientFromEnv(env: ClientEnvironment = processEnvironment()): S3Client {
  const config = clientConfigFromEnv(env, 'SPENDWATCH_S3_ENDPOINT');
  if (!config.endpoint) return new S3Client(config);
  return new S3Client({
    ...config,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function snsClientFromEnv(env: ClientEnvironment = processEnvironment()): SNSClient {
  return new SNSClient(clientConfigFromEnv(env, 'SPENDWATCH_SNS_ENDPOINT'));
}

export function sqsClientFromEnv(env: ClientEnvironment = processEnvironment()): SQSClient {
  return new SQSClient(clientConfigFromEnv(env, 'SPENDWATCH_SQS_ENDPOINT'));
}

export function ssmClientFromEnv(env: ClientEnvironment = processEnvironment()): SSMClient {
  return new SSMClient(clientConfigFromEnv(env, 'SPENDWATCH_SSM_ENDPOINT'));
}

export function secretsManagerClientFromEnv(
  env: ClientEnvironment = processEnvironment(),
): SecretsManagerClient {
  return new SecretsManagerClient(clientConfigFromEnv(env, 'SPENDWATCH_SECRETS_MANAGER_ENDPOINT'));
}

export function eventBridgeClientFromEnv(env: ClientEnvironment = processEnvironment()): EventBridgeClient {
  return new EventBridgeClient(clientConfigFromEnv(env, 'SPENDWATCH_EVENTBRIDGE_ENDPOINT'));
}

function clientConfigFromEnv(env: ClientEnvironment, endpointVariable: EndpointVariable): ClientConfig {
  const endpoint = env[endpointVariable];
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!endpoint) return region ? { region } : {};
  return { endpoint, region: region || 'us-east-1', ...emulatorCredentials(env) };
}

/**
 * Keys given in `env` are used as given (it need not be process.env's); a profile or container
 * credentials are left to the SDK; otherwise placeholders, which local emulators accept.
 */
function emulatorCredentials(env: ClientEnvironment): Pick<ClientConfig, 'credentials'> {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
      },
    };
  }
  if (env.AWS_PROFILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return {};
  return { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}
