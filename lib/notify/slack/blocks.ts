/**
 * Slack Block Kit messages for incoming webhooks: one alert per message, or a digest of one run.
 * Every string that comes from the alert is escaped for mrkdwn (&, <, >) so a budget, service or tag
 * name cannot mention (<!channel>, <@U123>) or link (<https://x|y>); Slack's own limits (header 150,
 * section text 3000, fields 10 x 2000, 50 blocks) are respected by clipping.
 */
import type { Alert } from '../../alerts/alert.ts';
import { formatAmount } from '../../alerts/format.ts';
import {
  actionLines,
  basisLabel,
  contributorsTitle,
  crossingSentence,
  digestOverflowNote,
  digestTitle,
  figuresLine,
  forecastParts,
  isSpendEvent,
  measureWords,
  sinceLast,
  sinceLastSentence,
  spentOfBudget,
  summaryPhrase,
  thresholdText,
  unlistedContributorsNote,
} from '../../alerts/wording.ts';
import { oneLine } from '../../text/one-line.ts';
import { clip, contributorTable } from '../render/layout.ts';

type SlackText = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string };

type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji?: boolean } }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'actions'; elements: SlackButton[] }
  | { type: 'divider' };

/** A link button: opens its URL in the reader's browser, so it needs no Slack app behind the webhook. */
interface SlackButton {
  type: 'button';
  text: { type: 'plain_text'; text: string };
  url: string;
  action_id: string;
  style?: 'primary' | 'danger';
}

/** The incoming-webhook payload: `text` is the notification/fallback line, `blocks` the message. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** Slack's documented Block Kit limits for messages. */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  /** Slack truncates a message's top-level text beyond 40,000 characters; stay far below. */
  fallbackText: 3000,
  actionsElements: 25,
  buttonUrl: 3000,
} as const;

/** Escapes Slack's control characters; the only escaping mrkdwn needs. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Clips already-escaped mrkdwn without leaving half an entity ("&am") at the end. */
function clipMrkdwn(text: string, max: number): string {
  if (Array.from(text).length <= max) return text;
  return `${clip(text, max - 1, '').replace(/&[a-z]{0,3}$/, '')}…`;
}

const mrkdwn = (text: string, max: number): SlackText => ({ type: 'mrkdwn', text: clipMrkdwn(text, max) });
/** Escaped, single-line provider text. */
const safe = (text: string) => escapeMrkdwn(oneLine(text));
/** Amounts in the alert's unit, escaped (a usage unit is configuration text). */
const amountIn = (alert: Alert) => (value: string) => safe(formatAmount(value, alert.unit));

const SEVERITY_EMOJI: Record<Alert['severity'], string> = {
  critical: ':rotating_light:',
  warning: ':warning:',
  info: ':information_source:',
};

function emojiFor(alert: Alert): string {
  if (alert.event === 'recovered') return ':white_check_mark:';
  if (alert.event === 'back-under') return ':chart_with_downwards_trend:';
  return SEVERITY_EMOJI[alert.severity];
}

/** Slack renders this in each reader's own time zone; the ISO text is the fallback. */
function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  const fallback = new Date(iso).toISOString().replace('.000Z', 'Z');
  return `<!date^${seconds}^{date_short_pretty} {time}|${fallback}>`;
}

function contextLine(alert: Alert): string {
  return [
    `Period ${safe(alert.periodKey)}`,
    `figure as of ${slackDate(alert.asOf)}`,
    `checked ${slackDate(alert.detectedAt)}`,
    `dedupKey \`${safe(alert.dedupKey).replace(/`/g, "'")}\``,
  ].join('  ·  ');
}

/** Plain-text one-liner: notifications, the digest list, and clients that cannot show blocks. */
function fallbackLine(alert: Alert): string {
  return `[${alert.severity}] ${oneLine(alert.budget)}: ${summaryPhrase(alert)} - ${oneLine(alert.account)}`;
}

const MAX_TABLE_ROWS = 10;

function contributorsBlock(alert: Alert): SlackBlock | undefined {
  if (alert.contributors.length === 0) return undefined;
  const title = contributorsTitle(alert, amountIn(alert), (text) => `*${text}*`);
  // Each row is escaped after alignment (Slack shows it unescaped) and backticks cannot close the code block.
  const rows: string[] = [];
  const table = contributorTable(alert, { maxRows: MAX_TABLE_ROWS, maxNameWidth: 32 });
  let omitted = table.omitted;
  let used = title.length + 20;
  for (const [index, line] of table.lines.entries()) {
    const escaped = escapeMrkdwn(line).replace(/`/g, "'");
    if (used + escaped.length + 1 > SLACK_LIMITS.sectionText - 60) {
      omitted += table.lines.length - index;
      break;
    }
    rows.push(escaped);
    used += escaped.length + 1;
  }
  const more = omitted > 0 ? `\n_${unlistedContributorsNote(omitted, 'brief')}_` : '';
  return {
    type: 'section',
    text: mrkdwn(`${title}\n\`\`\`${rows.join('\n')}\`\`\`${more}`, SLACK_LIMITS.sectionText),
  };
}

/** Two columns in Slack: spent | budget, threshold | forecast, provider | account, severity | since last. */
function fieldsOf(alert: Alert): SlackText[] {
  const money = amountIn(alert);
  const field = (label: string, value: string) => mrkdwn(`*${label}*\n${value}`, SLACK_LIMITS.fieldText);
  const fields: SlackText[] = [];
  if (isSpendEvent(alert)) {
    fields.push(field(measureWords(alert).label, spentOfBudget(alert, money)));
    fields.push(field('Budget', money(alert.budgetAmount)));
    fields.push(field('Threshold', `${safe(thresholdText(alert))}\n_${basisLabel(alert)}_`));
  }
  const forecast = forecastParts(alert);
  if (forecast) {
    const how = [forecast.method, forecast.inputs].filter(Boolean).map(safe).join('; ');
    fields.push(field('Forecast', `${safe(forecast.amount)}\n_${how}_`));
  }
  fields.push(field(alert.provider.includes(',') ? 'Providers' : 'Provider', safe(alert.provider)));
  fields.push(field(alert.accounts.length > 1 ? 'Accounts' : 'Account', safe(alert.accounts.join(', '))));
  fields.push(field('Severity', alert.severity));
  const last = sinceLast(alert);
  if (last) {
    fields.push(
      field(
        'Since the last alert',
        sinceLastSentence(safe(last.change), safe(last.threshold), slackDate(last.at)),
      ),
    );
  }
  return fields.slice(0, SLACK_LIMITS.fields);
}

/** One alert as a Block Kit message. */
export function renderSlackMessage(alert: Alert): SlackMessage {
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: clip(
          `${emojiFor(alert)} ${oneLine(alert.budget)}: ${summaryPhrase(alert)}`,
          SLACK_LIMITS.headerText,
        ),
        emoji: true,
      },
    },
    {
      type: 'section',
      text: mrkdwn(`${safe(alert.headline)}\n${safe(crossingSentence(alert))}`, SLACK_LIMITS.sectionText),
    },
    { type: 'section', fields: fieldsOf(alert) },
  ];
  const contributors = contributorsBlock(alert);
  if (contributors) blocks.push(contributors);
  if (alert.details.length > 0) {
    const details = alert.details.map((line) => `• ${safe(line)}`).join('\n');
    blocks.push({ type: 'section', text: mrkdwn(details, SLACK_LIMITS.sectionText) });
  }
  blocks.push(...actionBlocks(alert));
  blocks.push({ type: 'context', elements: [mrkdwn(contextLine(alert), SLACK_LIMITS.sectionText)] });
  return { text: clipMrkdwn(escapeMrkdwn(fallbackLine(alert)), SLACK_LIMITS.fallbackText), blocks };
}

/**
 * The guardrail actions: what each does and where it stands, then one button per link (Approve opens a
 * page that asks again before anything happens, so an unfurl or a stray click changes nothing).
 */
function actionBlocks(alert: Alert): SlackBlock[] {
  const lines = actionLines(alert);
  if (lines.length === 0) return [];
  const title = alert.action ? '*Action*' : '*Guardrail actions*';
  const text = [title, ...lines.map((line) => `• ${safe(line.text)}`)].join('\n');
  const buttons: SlackButton[] = lines
    .flatMap((line, index) => (line.link ? [{ ...line.link, index }] : []))
    .filter((link) => link.url.length <= SLACK_LIMITS.buttonUrl)
    .slice(0, SLACK_LIMITS.actionsElements)
    .map((link) => ({
      type: 'button',
      text: { type: 'plain_text', text: `${link.label}${lines.length > 1 ? ` #${link.index + 1}` : ''}` },
      url: link.url,
      action_id: `${link.label.toLowerCase()}-${link.index + 1}`,
      ...(link.label === 'Approve' ? { style: 'primary' as const } : {}),
    }));
  return [
    { type: 'section', text: mrkdwn(text, SLACK_LIMITS.sectionText) },
    ...(buttons.length > 0 ? [{ type: 'actions' as const, elements: buttons }] : []),
  ];
}

const SEVERITY_ORDER: Record<Alert['severity'], number> = { critical: 0, warning: 1, info: 2 };
/** Blocks per alert in a digest: a section and its context line. */
const DIGEST_BLOCKS_PER_ALERT = 2;

/**
 * Several alerts of one run in one message, most severe first. Beyond Slack's 50 blocks the rest
 * are summarised in a last context block by budget and severity.
 */
export function renderSlackDigest(alerts: Alert[]): SlackMessage {
  if (alerts.length === 0) throw new RangeError('a Slack digest needs at least one alert');
  if (alerts.length === 1) return renderSlackMessage(alerts[0]!);
  const sorted = [...alerts].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const title = digestTitle(sorted);
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: title, emoji: true } }];

  // Room for the header and, if needed, one overflow block.
  const fitsAll = 1 + sorted.length * DIGEST_BLOCKS_PER_ALERT <= SLACK_LIMITS.blocks;
  const shown = fitsAll
    ? sorted
    : sorted.slice(0, Math.floor((SLACK_LIMITS.blocks - 2) / DIGEST_BLOCKS_PER_ALERT));
  for (const alert of shown) {
    const lines = [
      `${emojiFor(alert)} *${safe(alert.budget)}*: ${safe(summaryPhrase(alert))}`,
      safe(alert.headline),
    ];
    if (isSpendEvent(alert)) lines.push(figuresLine(alert, amountIn(alert)));
    blocks.push({ type: 'section', text: mrkdwn(lines.join('\n'), SLACK_LIMITS.sectionText) });
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(`${safe(alert.accounts.join(', '))}  ·  ${contextLine(alert)}`, SLACK_LIMITS.sectionText),
      ],
    });
  }
  const rest = sorted.slice(shown.length);
  if (rest.length > 0) {
    const names = rest.map((a) => `${safe(a.budget)} (${a.severity})`).join(', ');
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(digestOverflowNote(rest.length, SLACK_LIMITS.blocks, names), SLACK_LIMITS.sectionText),
      ],
    });
  }
  const fallback = [title, ...sorted.map(fallbackLine)].join('\n');
  return { text: clipMrkdwn(escapeMrkdwn(fallback), SLACK_LIMITS.fallbackText), blocks };
}
