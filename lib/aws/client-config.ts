/**
 * Client settings for an AWS SDK client from the environment: region and credentials as the SDK finds
 * them, or, with `endpointVariable` set (e.g. SPENDWATCH_SNS_ENDPOINT), that endpoint, with region
 * us-east-1 and placeholder credentials unless some are configured, as local emulators do not check them.
 */
export interface ClientConfig {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function clientConfigFromEnv(env: NodeJS.ProcessEnv, endpointVariable: string): ClientConfig {
  const endpoint = env[endpointVariable]?.trim();
  if (!endpoint) return {};
  const hasCredentials = Boolean(
    env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
  );
  return {
    endpoint,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
}
