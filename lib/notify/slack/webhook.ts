/**
 * Posts Block Kit messages to a Slack incoming webhook through the shared HTTP client: 429 waits
 * for Slack's Retry-After (within the time budget), 5xx and network errors are retried with
 * jittered backoff, and anything else non-2xx fails at once with Slack's error code explained.
 * The webhook URL is the credential: errors and logs name it only as "POST {webhook}".
 */
import { type Endpoint, ProviderHttp, type RetryPolicy } from '../../http/index.ts';
import type { Logger } from '../../log/index.ts';
import { systemClock } from '../../time/clock.ts';
import type { SlackMessage } from '../render/index.ts';

export interface SlackWebhookOptions {
  webhookUrl: string;
  logger: Logger;
  /** Attempts and waits; the budget bounds the whole post, Retry-After included (keep it under the Lambda timeout). */
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

const SLACK_WEBHOOK_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  budgetMs: 20_000,
};

/** What Slack's documented webhook errors mean for whoever reads the failure. */
const SLACK_ERRORS: Record<string, string> = {
  invalid_payload:
    'Slack rejected the message format (a Block Kit limit or field); this is a spendwatch bug, report it',
  user_not_found: 'the user the webhook posts to no longer exists; create a new webhook',
  action_prohibited: 'the workspace restricts this webhook; ask a Slack admin',
  channel_not_found: "the webhook's channel no longer exists; create a new webhook and update the secret",
  channel_is_archived:
    "the webhook's channel is archived; unarchive it or create a new webhook and update the secret",
  no_service: 'the webhook was revoked or its app removed; create a new webhook and update the secret',
  no_team: 'the workspace of this webhook no longer exists; create a new webhook and update the secret',
};

/** One per invocation: the retry time budget starts when it is made. */
export class SlackWebhook {
  private readonly http: ProviderHttp;
  private readonly endpoint: Endpoint;

  constructor(options: SlackWebhookOptions) {
    const url = parseWebhookUrl(options.webhookUrl);
    this.http = new ProviderHttp({
      provider: 'slack',
      accountId: 'incoming-webhook',
      baseUrl: url.origin,
      logger: options.logger,
      clock: systemClock,
      retry: { ...SLACK_WEBHOOK_RETRY, ...options.retry },
      timeoutMs: options.timeoutMs ?? 5_000,
      fetch: options.fetch,
      sleep: options.sleep,
    });
    this.endpoint = { method: 'POST', path: `${url.pathname}${url.search}`, label: 'POST {webhook}' };
  }

  /** Resolves once Slack answered 2xx; throws a ProviderError (never containing the URL) otherwise. */
  async post(message: SlackMessage): Promise<void> {
    const endpoint = { ...this.endpoint, json: message };
    const reply = await this.http.send(endpoint);
    if (reply.status >= 200 && reply.status < 300) return;
    const code = typeof reply.body === 'string' ? reply.body.trim().slice(0, 60) : '';
    const meaning = SLACK_ERRORS[code] ?? 'unexpected answer from Slack';
    throw this.http.error(endpoint, 'http', `${code || 'no error code'}: ${meaning}`, reply.status);
  }
}

function parseWebhookUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error('the Slack webhook secret is not a URL; store the full https://hooks.slack.com/... URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(
      `the Slack webhook secret is a ${url.protocol} URL; store the https://hooks.slack.com/... URL`,
    );
  }
  return url;
}
