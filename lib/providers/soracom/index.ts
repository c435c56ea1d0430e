import { z } from 'zod';
import { type Endpoint, ProviderHttp } from '../../http/index.ts';
import { redactor } from '../../log/index.ts';
import { currencyCode, Money } from '../../money/index.ts';
import { secretRef } from '../../secrets/index.ts';
import type { DailyCost, SpendSnapshot } from '../../snapshot/index.ts';
import { monthlyPeriod, yyyymm } from '../../time/period.ts';
import { fromLocal } from '../../time/zoned.ts';
import type { AccountBase, ConnectContext, ProviderModule, ReadRequest, SpendSource } from '../types.ts';
import { AuthResponse, DailyBills, LatestBill } from './schemas.ts';

/** Soracom runs two platforms with separate accounts: Japan and Global coverage. */
export const SORACOM_BASE_URLS = {
  jp: 'https://api.soracom.io/v1',
  global: 'https://g.api.soracom.io/v1',
} as const;

const account = z.object({
  provider: z.literal('soracom'),
  coverage: z
    .enum(['jp', 'global'])
    .default('jp')
    .describe('Japan (api.soracom.io) or Global (g.api.soracom.io) coverage'),
  credentials: z
    .object({
      authKeyId: secretRef.describe('SAM user or root AuthKey ID, e.g. env:SORACOM_AUTH_KEY_ID'),
      authKey: secretRef.describe('the AuthKey secret, e.g. env:SORACOM_AUTH_KEY'),
    })
    .strict(),
});

type SoracomAccount = z.output<typeof account> & AccountBase;

interface Session {
  apiKey: string;
  token: string;
}

// API key + token live for 24 h; keep them across runs in one Lambda container, keyed by platform and key ID.
const sessions = new Map<string, Promise<Session>>();

export const soracom: ProviderModule<typeof account> = {
  name: 'soracom',
  account,
  // Japan coverage bills by the JST calendar month, Global coverage by UTC.
  defaultTimeZone: (acct) => (acct.coverage === 'jp' ? 'Asia/Tokyo' : 'UTC'),
  connect: (acct, context) => new SoracomSource(acct, context),
};

class SoracomSource implements SpendSource {
  private readonly http: ProviderHttp;
  private readonly sessionKey: string;

  constructor(
    private readonly account: SoracomAccount,
    private readonly context: ConnectContext,
  ) {
    const baseUrl = account.baseUrl ?? SORACOM_BASE_URLS[account.coverage];
    this.sessionKey = `${baseUrl}|${context.credentials.authKeyId}`;
    this.http = new ProviderHttp({
      provider: 'soracom',
      accountId: account.id,
      baseUrl,
      clock: context.clock,
      logger: context.logger,
      ...context.http,
      // Soracom tells how long until the per-minute window refreshes.
      rateLimitDelayMs: (headers) => {
        const seconds = Number(headers.get('x-soracom-ratelimit-seconds-before-refresh'));
        return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
      },
    });
  }

  async read(request: ReadRequest): Promise<{ status: 'ok'; snapshot: SpendSnapshot }> {
    const latestEndpoint: Endpoint = { method: 'GET', path: '/bills/latest', label: 'GET /bills/latest' };
    const latest = await this.authorized(latestEndpoint, LatestBill);
    const asOf = parseEvaluatedTime(latest.lastEvaluatedTime, this.account.timeZone);
    // /bills/latest carries no month: it is the month in which the figure was evaluated.
    const period = monthlyPeriod(asOf, this.account.timeZone);
    const snapshot: SpendSnapshot = {
      provider: 'soracom',
      accountId: this.account.id,
      BillingPeriodStart: period.start,
      BillingPeriodEnd: period.end,
      asOf,
      BillingCurrency: currencyCode(latest.currency),
      BilledCost: Money.of(latest.amount, latest.currency),
      lines: [],
      sources: [latestEndpoint.label],
    };
    if (request.needs.daily) {
      const month = yyyymm(period);
      const dailyEndpoint: Endpoint = {
        method: 'GET',
        path: `/bills/${month}/daily`,
        label: 'GET /bills/{yyyyMM}/daily',
      };
      snapshot.daily = await this.daily(dailyEndpoint);
      snapshot.sources.push(dailyEndpoint.label);
    }
    return { status: 'ok', snapshot };
  }

  private async daily(endpoint: Endpoint): Promise<DailyCost[]> {
    const reply = await this.withSession(endpoint);
    // 404: no daily bill yet for the month (first hours of a month) is an empty series, not an error.
    if (reply.status === 404) return [];
    this.http.expectOk(endpoint, reply);
    const { billList } = this.http.decode(endpoint, DailyBills, reply.body);
    return billList
      .map((bill) => ({
        date: `${bill.date.slice(0, 4)}-${bill.date.slice(4, 6)}-${bill.date.slice(6, 8)}`,
        BilledCost: Money.of(bill.amount, bill.currency),
      }))
      .sort((a, b) => a.date.localeCompare(b.date));
  }

  private async authorized<S extends z.ZodType>(endpoint: Endpoint, schema: S): Promise<z.output<S>> {
    const reply = await this.withSession(endpoint);
    this.http.expectOk(endpoint, reply);
    return this.http.decode(endpoint, schema, reply.body);
  }

  /** Sends with the cached session; on 401 signs in again once (the token may have expired). */
  private async withSession(endpoint: Endpoint) {
    const first = await this.http.send({ ...endpoint, headers: sessionHeaders(await this.session()) });
    if (first.status !== 401) return first;
    this.context.logger.info('soracom token rejected, signing in again', {
      account: this.account.id,
      endpoint: endpoint.label,
    });
    sessions.delete(this.sessionKey);
    return this.http.send({ ...endpoint, headers: sessionHeaders(await this.session()) });
  }

  private session(): Promise<Session> {
    let session = sessions.get(this.sessionKey);
    if (!session) {
      session = this.signIn();
      sessions.set(this.sessionKey, session);
      session.catch(() => sessions.delete(this.sessionKey));
    }
    return session;
  }

  private async signIn(): Promise<Session> {
    const endpoint: Endpoint = {
      method: 'POST',
      path: '/auth',
      label: 'POST /auth',
      json: { authKeyId: this.context.credentials.authKeyId, authKey: this.context.credentials.authKey },
    };
    const reply = await this.http.send(endpoint);
    if (reply.status === 401 || reply.status === 403) {
      throw this.http.error(
        endpoint,
        'auth',
        'Soracom rejected the AuthKey; check authKeyId/authKey and that the key belongs to this coverage',
        reply.status,
      );
    }
    this.http.expectOk(endpoint, reply);
    const auth = this.http.decode(endpoint, AuthResponse, reply.body, true);
    redactor.add(auth.token);
    redactor.add(auth.apiKey);
    return { apiKey: auth.apiKey, token: auth.token };
  }
}

function sessionHeaders(session: Session): Record<string, string> {
  return { 'X-Soracom-API-Key': session.apiKey, 'X-Soracom-Token': session.token };
}

/** "20261123091500" read in the account's billing time zone. */
function parseEvaluatedTime(text: string, timeZone: string): Date {
  const n = (from: number, to: number) => Number(text.slice(from, to));
  return fromLocal(
    { year: n(0, 4), month: n(4, 6), day: n(6, 8), hour: n(8, 10), minute: n(10, 12), second: n(12, 14) },
    timeZone,
  );
}

/** Exposed for tests that need a clean cache between simulated token expiries. */
export function forgetSoracomSessions(): void {
  sessions.clear();
}
