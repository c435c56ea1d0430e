/**
 * SNS → Slack. Subscribe this function to the alert topic (protocol "lambda"); it receives the alert
 * JSON and posts Block Kit to the incoming webhook whose URL is kept in SSM or Secrets Manager.
 *   SLACK_WEBHOOK_URL_REF  ssm:/path or secretsmanager:name[#key] (required)
 *   SLACK_DIGEST           "true": one message for all alerts of an invocation
 * Configure an on-failure destination or DLQ: failed posts throw and land there after retries.
 */
import { secretsManagerClientFromEnv, ssmClientFromEnv } from '../lib/aws/clients.ts';
import { jsonLogger } from '../lib/log/index.ts';
import { slackNotifier } from '../lib/notify/slack/index.ts';
import { awsSecretBackends } from '../lib/secrets/aws.ts';
import { SecretResolver } from '../lib/secrets/index.ts';

// Module scope: the resolved URL is cached for the container's life.
export const handler = slackNotifier({
  webhookRef: process.env.SLACK_WEBHOOK_URL_REF ?? '',
  digest: process.env.SLACK_DIGEST === 'true',
  secrets: new SecretResolver(
    awsSecretBackends({ ssm: ssmClientFromEnv(), secretsManager: secretsManagerClientFromEnv() }),
  ),
  logger: jsonLogger({ fields: { function: 'slack-notifier' } }),
});
