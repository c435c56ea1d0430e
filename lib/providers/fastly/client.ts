/**
 * One Fastly account's HTTP session for one run, with what every Billing endpoint shares: cursor
 * paging, the 202 "still generating" wait of the month-to-date invoices, and the reply's freshness.
 */
import type * as z from 'zod';
import type { Endpoint, HttpReply, ProviderHttp } from '../../http/index.ts';
import type { Logger } from '../../log/index.ts';
import type { SpendReading } from '../../spend/index.ts';
import type { Clock } from '../../time/clock.ts';
import { accountHttp } from '../account-http.ts';
import type { ConnectContext } from '../types.ts';
import type { FastlyAccount } from './account.ts';

export const FASTLY_BASE_URL = 'https://api.fastly.com';

// Fastly: the estimate "generally takes less than 5 seconds ... in certain cases up to 60 seconds".
const FIRST_POLL_MS = 500;
const MAX_POLL_MS = 10_000;

type Generated =
  | { status: 'ready'; reply: HttpReply }
  | { status: 'pending'; polls: number; waitedMs: number };

export class FastlyClient {
  readonly http: ProviderHttp;
  readonly clock: Clock;
  readonly logger: Logger;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    readonly account: FastlyAccount,
    context: ConnectContext,
  ) {
    this.clock = context.clock;
    this.logger = context.logger;
    this.http = accountHttp('fastly', account, account.baseUrl ?? FASTLY_BASE_URL, context, {
      headers: () => ({ 'Fastly-Key': context.credentials.apiToken ?? '' }),
      rateLimitDelayMs: fastlyRateLimitDelayMs,
    });
    this.sleep = context.http.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Fastly answers 202 while it generates the month-to-date invoice, then caches it for 4 h. Asks
   * again with doubling waits until the account's pending budget is spent.
   */
  async whenGenerated(endpoint: Endpoint): Promise<Generated> {
    const budgetMs = this.account.mtdPendingBudgetSeconds * 1000;
    let waitedMs = 0;
    for (let polls = 1, delay = FIRST_POLL_MS; ; polls++, delay = Math.min(delay * 2, MAX_POLL_MS)) {
      const reply = await this.http.send(endpoint);
      if (reply.status !== 202) return { status: 'ready', reply };
      if (waitedMs >= budgetMs) return { status: 'pending', polls, waitedMs };
      const wait = Math.min(delay, budgetMs - waitedMs);
      await this.sleep(wait);
      waitedMs += wait;
    }
  }

  pending(endpoint: Endpoint, generated: { polls: number; waitedMs: number }): SpendReading {
    return {
      status: 'pending',
      provider: 'fastly',
      accountId: this.account.id,
      endpoint: endpoint.label,
      reason: `Fastly is still generating the month-to-date invoice (202 Accepted on ${generated.polls} requests over ${(generated.waitedMs / 1000).toFixed(1)} s); it is usually ready within a minute, so the next run should read it`,
    };
  }

  /**
   * The body carries no timestamp and Fastly may serve an estimate cached up to 4 h, so the reply's
   * Date header is the closest freshness we get (the figure may be up to 4 h older than it).
   */
  servedAt(reply: HttpReply): Date {
    const served = Date.parse(reply.headers.get('date') ?? '');
    return Number.isNaN(served) ? this.clock.now() : new Date(served);
  }

  /**
   * Follows `next_cursor` to the last page. Cursors hold '+' and '=': they go through searchParams,
   * which percent-encodes them (a raw '+' would reach Fastly as a space).
   */
  async pages<S extends z.ZodType>(
    endpoint: Endpoint,
    schema: S,
    nextCursor: (page: z.output<S>) => string | undefined,
  ): Promise<z.output<S>[]> {
    const pages: z.output<S>[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const searchParams = cursor ? { ...endpoint.searchParams, cursor } : endpoint.searchParams;
      const page = await this.http.json({ ...endpoint, searchParams }, schema);
      pages.push(page);
      cursor = nextCursor(page) || undefined;
      if (cursor && seen.has(cursor)) {
        throw this.http.error(endpoint, 'invalid-response', 'Fastly repeated a page cursor; stopped paging');
      }
      if (cursor) seen.add(cursor);
    } while (cursor);
    return pages;
  }
}

/**
 * Fastly's 429 says when its hourly window refills: Fastly-RateLimit-Reset, in UTC epoch seconds.
 * A 429 that still reports requests remaining is not about that window: fall back to the default wait.
 */
export function fastlyRateLimitDelayMs(headers: Headers, now: Date): number | undefined {
  const remaining = headers.get('fastly-ratelimit-remaining');
  if (remaining !== null && Number(remaining) > 0) return undefined;
  const reset = Number(headers.get('fastly-ratelimit-reset'));
  if (!Number.isFinite(reset) || reset <= 0) return undefined;
  return Math.max(0, reset * 1000 - now.getTime());
}
