/**
 * A Slack incoming webhook on 127.0.0.1: answers "ok" to a well-formed Block Kit POST at its
 * /services/... path, "invalid_blocks" (400) when the blocks break Slack's limits, "no_service" (404)
 * elsewhere. Faults (429 + Retry-After, 5xx, 410) are queued with `inject` as for provider simulators.
 */
import { type SimReply, type SimRequest, Simulator } from '../../dev/simulators/kit.ts';
import type { SlackMessage } from '../../lib/notify/render/index.ts';
import { blockKitProblems } from './block-kit.ts';

export const WEBHOOK_PATH = '/services/T0SPEND/B0WATCH/planted9secret9token';

const text = (status: number, body: string): SimReply => ({
  status,
  raw: body,
  headers: { 'content-type': 'text/html' },
});

export class SlackWebhookSimulator extends Simulator {
  constructor() {
    super('slack-webhook', (request) => this.answer(request));
  }

  /** The full webhook URL: the secret the notifier must never reveal. */
  get webhookUrl(): string {
    return `${this.url}${WEBHOOK_PATH}`;
  }

  /** Messages answered "ok", in order (not those met by an injected fault). */
  readonly accepted: SlackMessage[] = [];

  private answer(request: SimRequest): SimReply {
    if (request.method !== 'POST' || request.path !== WEBHOOK_PATH) return text(404, 'no_service');
    if (request.headers['content-type']?.startsWith('application/json') !== true)
      return text(400, 'invalid_payload');
    if (blockKitProblems(request.body).length > 0) return text(400, 'invalid_blocks');
    this.accepted.push(request.body as SlackMessage);
    return text(200, 'ok');
  }
}
