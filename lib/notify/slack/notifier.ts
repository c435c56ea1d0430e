/**
 * The Slack notifier Lambda's logic: SNS event in, Block Kit messages out to an incoming webhook.
 * A failed post throws, so Lambda retries the event and finally hands it to the dead-letter
 * destination: an alert is never dropped silently.
 */
import * as z from 'zod';
import type { Alert } from '../../alerts/alert.ts';
import type { Logger } from '../../log/index.ts';
import { SECRET_REF, type SecretResolver } from '../../secrets/index.ts';
import { oneLine } from '../../text/one-line.ts';
import { alertSchema, describeSchemaProblems } from '../alert-schema.ts';
import { renderSlackDigest, renderSlackMessage, type SlackMessage } from '../render/index.ts';
import { SlackWebhook, type SlackWebhookOptions } from './webhook.ts';

/** The parts of Lambda's SNS event (aws-lambda SNSEvent) the notifier reads. */
const snsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        EventSource: z.literal('aws:sns'),
        Sns: z.object({
          MessageId: z.string(),
          TopicArn: z.string(),
          Subject: z.string().nullish(),
          Message: z.string(),
        }),
      }),
    )
    .min(1),
});

export class NotAnAlertError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NotAnAlertError';
  }
}

/** The alerts carried by an SNS event; throws NotAnAlertError naming the record and what is wrong. */
function alertsFromSnsEvent(event: unknown): Alert[] {
  const parsed = snsEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new NotAnAlertError(
      `the event is not an SNS event (${describeSchemaProblems(parsed.error)}); subscribe this function to the alert topic`,
    );
  }
  return parsed.data.Records.map(({ Sns }) => {
    const where = `SNS message ${Sns.MessageId}`;
    let body: unknown;
    try {
      body = JSON.parse(Sns.Message);
    } catch {
      throw new NotAnAlertError(
        `${where} is not JSON but text ("${oneLine(Sns.Message).slice(0, 60)}..."): the publisher must use MessageStructure "json" so SNS delivers the alert JSON under the "lambda" key to this function`,
      );
    }
    if (typeof body === 'object' && body !== null && 'default' in body && !('dedupKey' in body)) {
      throw new NotAnAlertError(
        `${where} is a whole per-protocol message structure (keys ${Object.keys(body).join(', ')}), not one protocol's alert JSON: publish with MessageStructure "json" so SNS picks the "lambda" value`,
      );
    }
    const alert = alertSchema.safeParse(body);
    if (!alert.success) {
      throw new NotAnAlertError(`${where} is not a spendwatch alert: ${describeSchemaProblems(alert.error)}`);
    }
    return alert.data;
  });
}

export interface SlackNotifierOptions {
  /** Where the webhook URL is kept: "ssm:/path" or "secretsmanager:name[#key]". Never the URL itself. */
  webhookRef: string;
  secrets: SecretResolver;
  logger: Logger;
  /** All alerts of one invocation in one message. */
  digest?: boolean;
  webhook?: Omit<SlackWebhookOptions, 'webhookUrl' | 'logger'>;
}

const AWS_SECRET_REF = /^(ssm|secretsmanager):/;

/** Builds the handler; checks the webhook reference once, at cold start. */
export function slackNotifier(options: SlackNotifierOptions): (event: unknown) => Promise<void> {
  const ref = options.webhookRef.trim();
  if (!SECRET_REF.test(ref) || !AWS_SECRET_REF.test(ref)) {
    // Never echo the value: it may be the webhook URL pasted by mistake.
    throw new Error(
      'SLACK_WEBHOOK_URL_REF must reference the webhook URL as ssm:/path or secretsmanager:name[#key]; the URL itself never goes into configuration',
    );
  }
  const { logger } = options;
  return async (event) => {
    const alerts = alertsFromSnsEvent(event);
    const webhookUrl = await options.secrets.resolve(ref);
    const webhook = new SlackWebhook({ ...options.webhook, webhookUrl, logger });
    const posts: { alerts: Alert[]; message: SlackMessage }[] = options.digest
      ? [{ alerts, message: renderSlackDigest(alerts) }]
      : alerts.map((alert) => ({ alerts: [alert], message: renderSlackMessage(alert) }));

    const failures: { dedupKeys: string[]; error: Error }[] = [];
    for (const post of posts) {
      const dedupKeys = post.alerts.map((alert) => alert.dedupKey);
      try {
        await webhook.post(post.message);
        logger.info('alert posted to Slack', { dedupKeys, blocks: post.message.blocks.length });
      } catch (error) {
        failures.push({ dedupKeys, error: error as Error });
        logger.error('alert post to Slack failed', { dedupKeys, error: (error as Error).message });
      }
    }
    if (failures.length === 0) return;
    const [first] = failures;
    if (failures.length === 1 && posts.length === 1) throw first!.error;
    const keys = failures.flatMap((failure) => failure.dedupKeys).join(', ');
    throw new Error(
      `Slack delivery failed for ${failures.length} of ${posts.length} messages (alerts ${keys}): ${first!.error.message}`,
      { cause: first!.error },
    );
  };
}
