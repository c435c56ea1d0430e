import ky, { type KyInstance } from 'ky';
import type { z } from 'zod';
import type { Logger } from '../log/index.ts';
import type { Clock } from '../time/clock.ts';
import { errorBodySummary } from './error-text.ts';
import { ProviderError } from './errors.ts';
import { credentialsMayGoTo, INSECURE_URL_FIX } from './secure-origin.ts';
import { decodeResponse } from './validate.ts';

export interface RetryPolicy {
  /** Attempts per request including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Total wall time this account may spend on one run, across all its requests and waits. */
  budgetMs: number;
}

const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  budgetMs: 90_000,
};
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
/** Hops followed within the provider's own origin (e.g. a trailing-slash redirect), then it is an error. */
const MAX_SAME_ORIGIN_REDIRECTS = 3;

export interface Endpoint {
  method: 'GET' | 'POST';
  /** Path relative to the base URL, already filled in and percent-encoded. */
  path: string;
  /** Path template for logs and errors ("GET /bills/{yyyyMM}"): no IDs, no query values. */
  label: string;
  searchParams?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
  /** Never replay a cached GET (polling endpoints, state read again after a write). */
  noMemo?: boolean;
  /**
   * A write whose reply does not prove it did not happen: a 5xx, a reset or a timeout may follow a
   * write that was done, so it is sent once and never replayed. Only a 429, which refuses a request
   * unserved, is tried again.
   */
  sendOnce?: boolean;
}

/** An endpoint without path parameters: its label is its method and path. */
export function fixedEndpoint(method: Endpoint['method'], path: string): Endpoint {
  return { method, path, label: `${method} ${path}` };
}

export interface HttpReply {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface ProviderHttpOptions {
  provider: string;
  accountId: string;
  baseUrl: string;
  logger: Logger;
  clock: Clock;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Headers added to every request (authentication), computed per request. */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  /** Provider-specific rate-limit headers: milliseconds to wait before retrying, if the reply says. */
  rateLimitDelayMs?: (headers: Headers, now: Date) => number | undefined;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Test hook: the fetch implementation ky uses. */
  fetch?: typeof fetch;
}

/** One ky instance per fetch (the global one, or a test's), shared by every account's client. */
let globalFetchKy: KyInstance | undefined;
const customFetchKy = new WeakMap<typeof fetch, KyInstance>();

function kyFor(fetch: typeof globalThis.fetch | undefined): KyInstance {
  const known = fetch ? customFetchKy.get(fetch) : globalFetchKy;
  if (known) return known;
  const instance = ky.create({
    // ky's timeout stops at the response headers; attempt() bounds the whole exchange, body included.
    timeout: false,
    retry: 0,
    throwHttpErrors: false,
    fetch,
    headers: { accept: 'application/json', 'user-agent': 'spendwatch' },
  });
  if (fetch) customFetchKy.set(fetch, instance);
  else globalFetchKy = instance;
  return instance;
}

/**
 * One account's HTTP session for one run: timeouts, jittered retries on 429/5xx/network errors that
 * honour Retry-After and the provider's rate-limit headers, a time budget for the whole account, and
 * one fetch per endpoint (GETs are memoised for the run however many budgets read them).
 */
export class ProviderHttp {
  private readonly client: KyInstance;
  private readonly baseUrl: string;
  private readonly policy: RetryPolicy;
  private readonly deadline: number;
  private readonly memo = new Map<string, Promise<HttpReply>>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: ProviderHttpOptions) {
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.deadline = performance.now() + this.policy.budgetMs;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.client = kyFor(options.fetch);
  }

  get provider(): string {
    return this.options.provider;
  }

  get accountId(): string {
    return this.options.accountId;
  }

  /** Sends with retries; returns any non-retryable reply (2xx, 202, 4xx) for the caller to interpret. */
  send(endpoint: Endpoint): Promise<HttpReply> {
    if (endpoint.method !== 'GET' || endpoint.noMemo) return this.sendWithRetry(endpoint);
    const key = `${endpoint.path}?${new URLSearchParams(endpoint.searchParams).toString()}`;
    let reply = this.memo.get(key);
    if (!reply) {
      reply = this.sendWithRetry(endpoint);
      this.memo.set(key, reply);
      // Only successes are shared; a failure or a 202 is asked again by the next reader.
      reply.then(
        (r) => (r.status >= 300 || r.status === 202 ? this.memo.delete(key) : undefined),
        () => this.memo.delete(key),
      );
    }
    return reply;
  }

  /** Sends and requires a 2xx JSON body matching `schema`; maps 401/403/404 to clear errors. */
  async json<S extends z.ZodType>(
    endpoint: Endpoint,
    schema: S,
    options: { sensitive?: boolean } = {},
  ): Promise<z.output<S>> {
    return this.okBody(endpoint, await this.send(endpoint), schema, options.sensitive);
  }

  /** The body of a 2xx reply, matching `schema`; anything else throws the error `expectOk` names. */
  okBody<S extends z.ZodType>(
    endpoint: Endpoint,
    reply: HttpReply,
    schema: S,
    sensitive = false,
  ): z.output<S> {
    this.expectOk(endpoint, reply);
    return this.decode(endpoint, schema, reply.body, sensitive);
  }

  decode<S extends z.ZodType>(endpoint: Endpoint, schema: S, body: unknown, sensitive = false): z.output<S> {
    return decodeResponse(schema, body, {
      provider: this.options.provider,
      accountId: this.options.accountId,
      endpoint: endpoint.label,
      sensitive,
    });
  }

  /** Throws the error a non-2xx reply deserves. */
  expectOk(endpoint: Endpoint, reply: HttpReply): void {
    if (reply.status >= 200 && reply.status < 300) return;
    if (reply.status === 401 || reply.status === 403) {
      throw this.error(
        endpoint,
        'auth',
        "the provider rejected the credentials; check the account's credentials and their permissions",
        reply.status,
      );
    }
    if (reply.status === 404) {
      throw this.error(
        endpoint,
        'not-found',
        'the provider answered "not found"; check the account ID and base URL',
        reply.status,
      );
    }
    throw this.error(endpoint, 'http', `unexpected status: ${errorBodySummary(reply.body)}`, reply.status);
  }

  error(
    endpoint: Endpoint,
    kind: ProviderError['kind'],
    detail: string,
    status?: number,
    attempts?: number,
  ): ProviderError {
    return new ProviderError({
      provider: this.options.provider,
      accountId: this.options.accountId,
      endpoint: endpoint.label,
      kind,
      detail,
      status,
      attempts,
    });
  }

  private async sendWithRetry(endpoint: Endpoint): Promise<HttpReply> {
    const log = this.options.logger.child({
      provider: this.options.provider,
      account: this.options.accountId,
      endpoint: endpoint.label,
    });
    for (let attempt = 1; ; attempt++) {
      let failure: { kind: 'network' | 'timeout' | 'retries-exhausted'; detail: string; status?: number };
      let waitMs: number | undefined;
      try {
        const reply = await this.attempt(endpoint);
        if (!RETRYABLE_STATUS.has(reply.status)) return reply;
        failure = {
          kind: 'retries-exhausted',
          detail: `${endpoint.sendOnce ? 'answered' : 'kept answering'} ${reply.status}: ${errorBodySummary(reply.body)}`,
          status: reply.status,
        };
        waitMs = this.serverDelayMs(reply.headers);
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        const timedOut = error instanceof AttemptTimedOut;
        failure = timedOut
          ? { kind: 'timeout', detail: `no answer within ${this.options.timeoutMs ?? 15_000} ms` }
          : { kind: 'network', detail: `network error: ${networkReason(error)}` };
      }
      if (endpoint.sendOnce && failure.status !== 429) {
        throw this.error(
          endpoint,
          failure.kind === 'retries-exhausted' ? 'http' : failure.kind,
          `${failure.detail} (sent once, not repeated: the write may have happened; read the resource before trying again)`,
          failure.status,
          attempt,
        );
      }
      const delay = waitMs ?? this.backoffMs(attempt);
      const remaining = this.deadline - performance.now();
      if (attempt >= this.policy.maxAttempts || delay > remaining) {
        const why =
          attempt >= this.policy.maxAttempts
            ? `${attempt} attempts`
            : `the account's ${this.policy.budgetMs} ms time budget`;
        throw this.error(
          endpoint,
          failure.kind,
          `${failure.detail} (gave up after ${why})`,
          failure.status,
          attempt,
        );
      }
      log.warn('provider call failed, retrying', {
        attempt,
        status: failure.status,
        kind: failure.kind,
        retryInMs: Math.round(delay),
      });
      await this.sleep(delay);
    }
  }

  private async attempt(endpoint: Endpoint): Promise<HttpReply> {
    const auth = (await this.options.headers?.()) ?? {};
    // One deadline for the request and the whole body: a server that sends its headers and then stalls
    // must not hold the run past it.
    const deadline = new AttemptDeadline(this.options.timeoutMs ?? 15_000);
    const exchange = this.exchange(endpoint, { ...auth, ...endpoint.headers }, deadline.signal);
    let response: Response | undefined;
    let text: string;
    try {
      response = await deadline.race(exchange);
      text = await readText(response, deadline);
    } catch (error) {
      if (!deadline.passed) throw error;
      // An answer that comes after all is let go of, not left holding its connection (a body that was
      // being read, readText has cancelled).
      if (!response) exchange.then((late) => late.body?.cancel()).catch(() => {});
      throw new AttemptTimedOut();
    } finally {
      deadline.clear();
    }
    let body: unknown = text;
    if (text.length > 0 && (response.headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        if (response.ok)
          throw this.error(
            endpoint,
            'invalid-response',
            `body is not valid JSON (${text.length} bytes, truncated or corrupt)`,
            response.status,
          );
      }
    }
    return { status: response.status, headers: response.headers, body };
  }

  /**
   * One request, following redirects by hand: fetch would carry custom credential headers (Fastly-Key,
   * X-Soracom-Token, X-Killbill-ApiSecret...) to whatever host a Location names, over plain http too.
   * Only hops within the base URL's own origin are followed, and only a few; anything else is an error
   * naming the target's origin, never its path or query (a presigned query is a credential).
   */
  private async exchange(endpoint: Endpoint, headers: Record<string, string>, signal: AbortSignal) {
    let url = new URL(`${this.baseUrl}/${endpoint.path.replace(/^\/+/, '')}`);
    let request = {
      method: endpoint.method as string,
      json: endpoint.json,
      searchParams: endpoint.searchParams,
    };
    for (let hops = 0; ; hops++) {
      this.refuseInsecure(endpoint, url);
      const response = await this.client(url.href, { ...request, headers, signal, redirect: 'manual' });
      if (!REDIRECT_STATUS.has(response.status)) return response;
      await response.body?.cancel();
      const location = response.headers.get('location') ?? '';
      const target = URL.canParse(location, url.href) ? new URL(location, url) : undefined;
      const refusal = !target
        ? 'a redirect without a usable Location'
        : target.origin !== url.origin
          ? `a redirect to another origin, ${target.origin}`
          : hops >= MAX_SAME_ORIGIN_REDIRECTS
            ? `more than ${MAX_SAME_ORIGIN_REDIRECTS} redirects (a loop?)`
            : endpoint.method !== 'GET' && response.status !== 307 && response.status !== 308
              ? 'a redirect that would turn this request into another'
              : undefined;
      if (refusal || !target)
        throw this.error(
          endpoint,
          'redirect',
          `answered with ${refusal}; spendwatch follows redirects only within the provider's own origin, so credentials never leave it: check the account's baseUrl`,
          response.status,
        );
      // The Location carries its own query; the body is sent again only where the status keeps the method.
      url = target;
      request = { ...request, searchParams: undefined };
    }
  }

  /** Credentials cross the network only over https; plain http is for a server on this machine (tests, tunnels). */
  private refuseInsecure(endpoint: Endpoint, url: URL): void {
    if (credentialsMayGoTo(url)) return;
    throw this.error(
      endpoint,
      'insecure',
      `refused to send credentials to ${url.origin}: ${INSECURE_URL_FIX}`,
    );
  }

  private serverDelayMs(headers: Headers): number | undefined {
    const now = this.options.clock.now();
    const custom = this.options.rateLimitDelayMs?.(headers, now);
    if (custom !== undefined) return clampDelay(custom);
    const retryAfter = headers.get('retry-after');
    if (retryAfter === null) return undefined;
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return clampDelay(seconds * 1000);
    const date = Date.parse(retryAfter);
    return Number.isNaN(date) ? undefined : clampDelay(date - now.getTime());
  }

  /** Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
  private backoffMs(attempt: number): number {
    const cap = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
    return cap / 2 + (this.random() * cap) / 2;
  }
}

/** An attempt that did not finish (answer and body) within the timeout. */
class AttemptTimedOut extends Error {}

/**
 * One attempt's time limit. Its signal goes to fetch, and each wait of the attempt also races the
 * deadline itself: Node's fetch loses the abort of a Request whose object has been garbage collected
 * (nodejs/undici#4068), as the one ky builds can be while its body is still arriving, and then only the
 * race stops a body that stalls.
 */
class AttemptDeadline {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly expired: Promise<never>;

  constructor(ms: number) {
    let expire: (error: Error) => void = () => {};
    this.expired = new Promise<never>((_, reject) => {
      expire = reject;
    });
    this.expired.catch(() => {}); // only ever raced, never awaited alone
    this.timer = setTimeout(() => {
      this.controller.abort();
      expire(new AttemptTimedOut());
    }, ms);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get passed(): boolean {
    return this.controller.signal.aborted;
  }

  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.expired]);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** The body as text, read within the deadline; past it, the connection is let go. */
async function readText(response: Response, deadline: AttemptDeadline): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  try {
    return await deadline.race(readAll(reader));
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  // UTF-8 with a BOM dropped, as Response.text() decodes.
  return new TextDecoder().decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}

function clampDelay(ms: number): number {
  return Math.max(0, ms);
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
