export {
  NotAnAlertError,
  type SlackNotifierOptions,
  slackNotifier,
} from './notifier.ts';
