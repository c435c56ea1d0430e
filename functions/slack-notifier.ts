/**
 * SNS → Slack. Subscribe this function to the alert topic (protocol "lambda"); it receives the alert
 * JSON and posts Block Kit to the incoming webhook whose URL is kept in SSM or Secrets Manager.
 * Configure an on-failure destination or DLQ: failed posts throw and land there after retries.
 * Settings: lib/aws/environment.ts; composition: lib/runtime/slack-notifier.ts.
 */
import { slackNotifierFromEnvironment } from '../lib/runtime/slack-notifier.ts';

// Module scope: clients, logger and the resolved webhook URL live as long as the container.
export const handler = slackNotifierFromEnvironment(process.env);
