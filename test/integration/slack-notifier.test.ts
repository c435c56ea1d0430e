import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../lib/alerts/alert.ts';
import { jsonLogger, type LogFields, Redactor } from '../../lib/log/index.ts';
import { renderSlackMessage, renderSnsMessage, type SlackMessage } from '../../lib/notify/render/index.ts';
import { NotAnAlertError, type SlackNotifierOptions, slackNotifier } from '../../lib/notify/slack/index.ts';
import { ssmBackend } from '../../lib/secrets/aws.ts';
import { SecretResolver } from '../../lib/secrets/index.ts';
import { everyKind, INJECTIONS, injected, jpyCritical, usdWarning } from '../support/alert-fixtures.ts';
import { AwsSecretsSimulator, localAws } from '../support/aws-secrets.ts';
import { blockKitProblems } from '../support/block-kit.ts';
import { providerErrorOf } from '../support/providers.ts';
import { SlackWebhookSimulator, WEBHOOK_PATH } from '../support/slack-webhook.ts';
import { alertDelivery, snsEvent } from '../support/sns-event.ts';

const PARAMETER = '/spendwatch/slack-webhook-url';
const SECRET_TOKEN = 'planted9secret9token';

function mrkdwnTexts(message: SlackMessage): string[] {
  return message.blocks.flatMap((block) => {
    const texts =
      block.type === 'section'
        ? [block.text, ...(block.fields ?? [])]
        : block.type === 'context'
          ? block.elements
          : [];
    return texts.filter((text) => text?.type === 'mrkdwn').map((text) => text!.text);
  });
}

/** Log lines as written, with a redactor that knows nothing: proves the URL is never logged at all. */
function unredactedLogger() {
  const lines: string[] = [];
  const logger = jsonLogger({ level: 'debug', write: (line) => lines.push(line), redactor: new Redactor() });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as LogFields) };
}

describe('Slack notifier: SNS event in, Block Kit out to a loopback webhook', () => {
  let slack: SlackWebhookSimulator;
  let aws: AwsSecretsSimulator;
  let ssm: SSMClient;
  let log: ReturnType<typeof unredactedLogger>;
  const slept: number[] = [];

  beforeEach(async () => {
    slack = new SlackWebhookSimulator();
    aws = new AwsSecretsSimulator();
    await Promise.all([slack.start(), aws.start()]);
    aws.parameters.set(PARAMETER, slack.webhookUrl);
    ssm = new SSMClient(localAws(aws.url));
    log = unredactedLogger();
    slept.length = 0;
  });
  afterEach(async () => {
    ssm.destroy();
    await Promise.all([slack.stop(), aws.stop()]);
  });

  const notifier = (options: Partial<SlackNotifierOptions> = {}) =>
    slackNotifier({
      webhookRef: `ssm:${PARAMETER}`,
      secrets: new SecretResolver([ssmBackend(ssm)]),
      logger: log.logger,
      webhook: {
        retry: { baseDelayMs: 5, maxDelayMs: 20, budgetMs: 5_000 },
        // Records the waits and sleeps for real (Retry-After is asserted as a lower bound).
        sleep: (ms) => {
          slept.push(ms);
          return new Promise((resolve) => setTimeout(resolve, ms));
        },
      },
      ...options,
    });
  const deliver = (...alerts: Alert[]) => snsEvent(alerts.map(alertDelivery));

  it('posts the alert as Block Kit to the webhook from SSM', async () => {
    await notifier()(deliver(jpyCritical));
    expect(slack.calls(WEBHOOK_PATH, 'POST')).toHaveLength(1);
    expect(slack.accepted).toEqual([renderSlackMessage(jpyCritical)]);
    expect(aws.actions('AmazonSSM.GetParameter')[0]?.body).toEqual({ Name: PARAMETER, WithDecryption: true });
    expect(log.records().find((r) => r.message === 'alert posted to Slack')).toMatchObject({
      dedupKeys: [jpyCritical.dedupKey],
    });
  });

  it('resolves the webhook once and reuses it across invocations', async () => {
    const handler = notifier();
    await handler(deliver(jpyCritical));
    await handler(deliver(usdWarning));
    expect(slack.accepted).toHaveLength(2);
    expect(aws.actions('AmazonSSM.GetParameter')).toHaveLength(1);
  });

  it("waits for Slack's Retry-After on 429, then delivers", async () => {
    slack.inject(WEBHOOK_PATH, { kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    await notifier()(deliver(usdWarning));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(slept).toEqual([1000]);
    expect(slack.calls(WEBHOOK_PATH)).toHaveLength(2);
    expect(slack.accepted).toHaveLength(1);
  });

  it('fails at once when Retry-After exceeds the time budget, so Lambda retries later', async () => {
    slack.inject(WEBHOOK_PATH, { kind: 'status', status: 429, headers: { 'retry-after': '3600' } });
    const error = await providerErrorOf(notifier()(deliver(usdWarning)));
    expect(error.kind).toBe('retries-exhausted');
    expect(slept).toEqual([]);
  });

  it('retries 5xx with backoff and throws when Slack keeps failing', async () => {
    slack.inject(
      WEBHOOK_PATH,
      { kind: 'raw', status: 500, text: 'rollup_error', contentType: 'text/html' },
      10,
    );
    const error = await providerErrorOf(notifier()(deliver(jpyCritical)));
    expect(error.status).toBe(500);
    expect(error.attempts).toBe(4);
    expect(error.message).toContain('rollup_error');
    expect(slack.calls(WEBHOOK_PATH)).toHaveLength(4);
    expect(slept).toHaveLength(3);
    expect(log.records().filter((r) => r.message === 'provider call failed, retrying')).toHaveLength(3);
  });

  it('recovers from a 503 burst', async () => {
    slack.inject(WEBHOOK_PATH, { kind: 'status', status: 503 }, 2);
    await notifier()(deliver(jpyCritical));
    expect(slack.accepted).toHaveLength(1);
  });

  it("explains Slack's permanent errors and does not retry them", async () => {
    slack.inject(WEBHOOK_PATH, {
      kind: 'raw',
      status: 410,
      text: 'channel_is_archived',
      contentType: 'text/html',
    });
    const error = await notifier()(deliver(jpyCritical)).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /HTTP 410.*channel_is_archived: the webhook's channel is archived/,
    );
    expect(slack.calls(WEBHOOK_PATH)).toHaveLength(1);
  });

  it('escapes every provider-supplied string so nothing pings or links', async () => {
    await notifier()(deliver(injected));
    const [message] = slack.accepted;
    expect(blockKitProblems(message)).toEqual([]);
    // Slack parses mentions and links only in mrkdwn (and the top-level text); plain_text shows them literally.
    const mrkdwn = JSON.stringify([message!.text, ...mrkdwnTexts(message!)]);
    for (const injection of [...INJECTIONS, '<!here>', '<@U999>', '<@U777>', '<!everyone>']) {
      expect(mrkdwn).not.toContain(injection);
    }
    expect(mrkdwn).toContain('&lt;!channel&gt;');
    expect(mrkdwn).toContain('&lt;@U123&gt;');
    expect(mrkdwn).toContain('R&amp;D');
    expect(mrkdwn).toContain('&lt;https://evil.example|click me&gt;');
    expect(message!.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
  });

  it.each(Object.entries(everyKind))('delivers valid Block Kit for %s', async (_kind, alert) => {
    await notifier()(deliver(alert));
    expect(slack.accepted).toHaveLength(1);
    expect(blockKitProblems(slack.accepted[0])).toEqual([]);
  });

  it('sends all alerts of one invocation as one digest message when asked', async () => {
    await notifier({ digest: true })(deliver(...Object.values(everyKind)));
    expect(slack.calls(WEBHOOK_PATH)).toHaveLength(1);
    const [digest] = slack.accepted as SlackMessage[];
    expect(digest!.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: 'spendwatch: 10 alerts (4 critical, 4 warning, 2 info)' },
    });
  });

  it('without digest mode posts each record separately', async () => {
    await notifier()(deliver(jpyCritical, usdWarning));
    expect(slack.accepted.map((m) => m.blocks.length > 0)).toEqual([true, true]);
    expect(slack.accepted).toHaveLength(2);
  });

  it('rejects a text message clearly and posts nothing', async () => {
    const { message } = renderSnsMessage(jpyCritical);
    const text = (JSON.parse(message) as { default: string }).default;
    const error = await notifier()(snsEvent([{ message: text }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotAnAlertError);
    expect((error as Error).message).toMatch(/is not JSON but text .*MessageStructure "json".*"lambda" key/);
    expect(slack.requests).toHaveLength(0);
  });

  it('rejects a whole message structure (publisher without MessageStructure json)', async () => {
    const { message } = renderSnsMessage(jpyCritical);
    const error = await notifier()(snsEvent([{ message }])).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /whole per-protocol message structure \(keys default, email, lambda/,
    );
  });

  it('names the offending fields of a JSON message that is not an alert', async () => {
    const error = await notifier()(
      snsEvent([{ message: JSON.stringify({ ...jpyCritical, spent: 'lots' }) }]),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /is not a spendwatch alert: field "spent": expected a decimal amount/,
    );
  });

  it('rejects an event that is not from SNS', async () => {
    const error = await notifier()({ Records: [{ eventSource: 'aws:sqs', body: '{}' }] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NotAnAlertError);
    expect((error as Error).message).toContain('is not an SNS event');
  });

  describe('the webhook URL stays secret', () => {
    const leaks = (error: unknown) => {
      const texts: string[] = [];
      for (let e = error as (Error & { cause?: unknown }) | undefined; e; e = e.cause as typeof e) {
        texts.push(e.message, String(e), e.stack ?? '', JSON.stringify({ ...e }));
      }
      return texts.join('\n');
    };

    it.each([
      ['5xx until failure', () => slack.inject(WEBHOOK_PATH, { kind: 'status', status: 502 }, 10)],
      ['a permanent 404', () => slack.inject(WEBHOOK_PATH, { kind: 'raw', status: 404, text: 'no_service' })],
      ['a reset connection', () => slack.inject(WEBHOOK_PATH, { kind: 'reset' }, 10)],
    ])('is in no log line or error after %s', async (_case, fault) => {
      fault();
      const error = await notifier()(deliver(jpyCritical)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain('POST {webhook}');
      expect(log.lines.length).toBeGreaterThan(0);
      for (const text of [...log.lines, leaks(error)]) {
        expect(text).not.toContain(SECRET_TOKEN);
        expect(text).not.toContain(slack.url.replace('http://', ''));
      }
    });

    it('is not echoed when the URL itself is configured instead of a reference', () => {
      const attempt = () => notifier({ webhookRef: slack.webhookUrl });
      expect(attempt).toThrow(/must reference the webhook URL as ssm:\/path or secretsmanager:name/);
      expect(
        leaks(
          (() => {
            try {
              attempt();
            } catch (e) {
              return e;
            }
          })(),
        ),
      ).not.toContain(SECRET_TOKEN);
    });

    it('refuses an env: reference: the URL never comes from plain configuration', () => {
      expect(() => notifier({ webhookRef: 'env:SLACK_WEBHOOK_URL' })).toThrow(
        /ssm:\/path or secretsmanager:/,
      );
    });
  });
});
