export type { CurrencyDisplay } from '../../alerts/format.ts';
export {
  escapeMrkdwn,
  renderSlackDigest,
  renderSlackMessage,
  SLACK_LIMITS,
  type SlackBlock,
  type SlackMessage,
  type SlackText,
} from '../slack/blocks.ts';
export type { RenderOptions } from './layout.ts';
export {
  AlertTooLargeError,
  alertAttributes,
  renderSnsMessage,
  SNS_MESSAGE_LIMIT_BYTES,
  type SnsAlertMessage,
  type SnsMessageStructure,
} from './sns-message.ts';
export { asciiSafe, renderSubject, SUBJECT_MAX_LENGTH } from './subject.ts';
export { renderText } from './text.ts';
