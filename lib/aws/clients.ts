/**
 * Client settings for an AWS SDK client from the environment: region and credentials as the SDK finds
 * them, or, with `endpointVariable` set (e.g. SPENDWATCH_SNS_ENDPOINT), that endpoint, with region
 * us-east-1 unless set and the environment's keys, or placeholders that local emulators accept.
 */
export interface ClientConfig {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function clientConfigFromEnv(env: NodeJS.ProcessEnv, endpointVariable: string): ClientConfig {
  const endpoint = env[endpointVariable]?.trim();
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!endpoint) return region ? { region } : {};
  return { endpoint, region: region || 'us-east-1', ...emulatorCredentials(env) };
}

/**
 * Keys given in `env` are used as given (it need not be process.env); a profile or container
 * credentials are left to the SDK; otherwise placeholders, which local emulators accept.
 */
function emulatorCredentials(env: NodeJS.ProcessEnv): Pick<ClientConfig, 'credentials'> {
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
