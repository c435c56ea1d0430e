/**
 * SNS → Slack. Subscribe this function to the alert topic (protocol "lambda"); it receives the alert
 * JSON and posts Block Kit to the incoming webhook whose URL is kept in SSM or Secrets Manager
 * (SLACK_WEBHOOK_URL_REF; settings: lib/aws/environment.ts).
 * Configure an on-failure destination or DLQ: failed posts throw and land there after retries.
 */
import { secretsManagerClientFromEnv, ssmClientFromEnv } from '../lib/aws/clients.ts';
import { readEnvironment } from '../lib/aws/environment.ts';
import { jsonLogger } from '../lib/log/index.ts';
import { slackNotifier } from '../lib/notify/slack/index.ts';
import { awsSecretBackends } from '../lib/secrets/aws.ts';
import { SecretResolver } from '../lib/secrets/index.ts';

const env = readEnvironment(process.env, ['SLACK_WEBHOOK_URL_REF']);

// Module scope: the resolved URL is cached for the container's life.
export const handler = slackNotifier({
  webhookRef: env.SLACK_WEBHOOK_URL_REF,
  digest: env.SLACK_DIGEST,
  secrets: new SecretResolver(
    awsSecretBackends({ ssm: ssmClientFromEnv(env), secretsManager: secretsManagerClientFromEnv(env) }),
  ),
  logger: jsonLogger({ fields: { function: 'slack-notifier' } }),
});
