/**
 * The Lambda bundles' stand-in for @aws-sdk/credential-provider-node (serverless.yml,
 * custom.esbuild.alias). Every SDK client's runtime config imports that package's defaultProvider: the
 * whole default chain (environment, SSO, ini files, credential_process, web identity, ECS and EC2
 * metadata) with the STS, SSO and sign-in clients it may need, ~100 KB minified in every bundle. A
 * Lambda function gets its role's credentials in the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the SDK's environment provider alone finds them.
 * The CLI, the tests and the demo run from source and keep the full chain.
 */

import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { defaultProvider as sdkDefaultProvider } from '@aws-sdk/credential-provider-node';

export const defaultProvider: typeof sdkDefaultProvider = (init = {}) => fromEnv(init);
