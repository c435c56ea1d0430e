export {
  alertsFromSnsEvent,
  NotAnAlertError,
  type SlackNotifierOptions,
  slackNotifier,
  snsEventSchema,
} from './notifier.ts';
export { SLACK_WEBHOOK_RETRY, SlackWebhook, type SlackWebhookOptions } from './webhook.ts';
