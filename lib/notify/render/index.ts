export {
  escapeMrkdwn,
  renderSlackDigest,
  renderSlackMessage,
  SLACK_LIMITS,
  type SlackMessage,
} from '../slack/blocks.ts';
export type { RenderOptions } from './layout.ts';
export {
  AlertTooLargeError,
  alertAttributes,
  renderSnsMessage,
} from './sns-message.ts';
export { asciiSafe, renderSubject, SUBJECT_MAX_LENGTH } from './subject.ts';
export { renderText } from './text.ts';
