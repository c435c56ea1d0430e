/**
 * Composition root of the Slack notifier Lambda (SNS → Slack): the notifier (lib/notify/slack) with
 * its webhook reference from the environment and SSM / Secrets Manager to resolve it.
 */
import { readEnvironment } from '../aws/environment.ts';
import { slackNotifier } from '../notify/slack/index.ts';
import { SecretResolver } from '../secrets/index.ts';
import { awsSecrets, functionLogger, secretCache } from './shared-dependencies.ts';

export function slackNotifierFromEnvironment(env: NodeJS.ProcessEnv): (event: unknown) => Promise<void> {
  const settings = readEnvironment(env, ['SLACK_WEBHOOK_URL_REF']);
  return slackNotifier({
    webhookRef: settings.SLACK_WEBHOOK_URL_REF,
    digest: settings.SLACK_DIGEST,
    // No env: backend: the webhook URL is kept in SSM or Secrets Manager, never in the environment.
    secrets: new SecretResolver(awsSecrets(settings), secretCache(settings)),
    logger: functionLogger(settings, 'slack-notifier'),
  });
}
