import * as z from 'zod';
import { type Endpoint, type HttpReply, ProviderHttp } from '../../http/index.ts';
import { type CurrencyCode, currencyCode, decimal, Money } from '../../money/index.ts';
import { secretRef } from '../../secrets/index.ts';
import type { DailyCost, PeriodSpend, SpendLine, SpendReading } from '../../spend/index.ts';
import { monthlyPeriod, type Period } from '../../time/period.ts';
import { localDateKey, toLocal } from '../../time/zoned.ts';
import type { AccountBase, ConnectContext, ProviderModule, ReadRequest, SpendSource } from '../types.ts';
import {
  type BillingProfile,
  BillingProfileResponse,
  Envelope,
  FailureEnvelope,
  type UsageInfo,
  UsageInfoResponse,
  type UsageRecord,
  UsageResponse,
} from './schemas.ts';

const CLOUDFLARE_BASE_URL = 'https://api.cloudflare.com/client/v4';

interface UsageApi {
  usage: string;
  info?: string;
}

/**
 * The PayGo usage API has moved twice (cloudflare-typescript history); newest first. An account is
 * read from the first generation that does not answer 404, and that one is kept for the run.
 */
const USAGE_APIS: readonly UsageApi[] = [
  { usage: '/billable-usage', info: '/billable-usage/info' }, // 2026-08, "Version 1, Alpha"
  { usage: '/paygo-usage', info: '/paygo-usage-info' }, // 2026-05
  { usage: '/billing/usage/paygo' }, // 2026-03 Beta: no info endpoint, date range at most 62 days
];

const account = z.object({
  provider: z.literal('cloudflare'),
  accountId: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'expected the 32-hex-digit Cloudflare account ID (dashboard → Account home)')
    .describe('The Cloudflare account ID (account tag)'),
  credentials: z
    .object({
      apiToken: secretRef.describe(
        'API token with the "Billing Read" permission, e.g. env:CLOUDFLARE_API_TOKEN',
      ),
    })
    .strict(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code such as USD')
    .default('USD')
    .describe(
      'Billing currency assumed before the period has its first usage record (records name their own)',
    ),
  useBillingProfile: z
    .boolean()
    .default(true)
    .describe('Read the (deprecated) billing profile for the next bill date; its failure never fails a read'),
});

type CloudflareAccount = z.output<typeof account> & AccountBase;

export const cloudflare: ProviderModule<typeof account> = {
  name: 'cloudflare',
  account,
  // Cloudflare's billing day boundaries and charge periods are in UTC.
  defaultTimeZone: () => 'UTC',
  connect: (acct, context) => new CloudflareSource(acct, context),
};

interface ServedUsage {
  period: Period;
  info: UsageInfo | undefined;
  records: UsageRecord[];
  usageEndpoint: Endpoint;
  sources: string[];
}

class CloudflareSource implements SpendSource {
  private readonly http: ProviderHttp;
  /** The usage API generation that answered, remembered for the rest of the run. */
  private live: UsageApi | undefined;

  constructor(
    private readonly account: CloudflareAccount,
    private readonly context: ConnectContext,
  ) {
    this.http = new ProviderHttp({
      provider: 'cloudflare',
      accountId: account.id,
      baseUrl: account.baseUrl ?? CLOUDFLARE_BASE_URL,
      clock: context.clock,
      logger: context.logger,
      ...context.http,
      headers: () => ({ authorization: `Bearer ${context.credentials.apiToken}` }),
    });
  }

  async read(request: ReadRequest): Promise<SpendReading> {
    const now = this.context.clock.now();
    const profile = this.account.useBillingProfile ? this.billingProfile() : Promise.resolve(undefined);
    const served = await this.usage(now, profile);
    const { period, records, usageEndpoint } = served;
    const sources = (await profile)
      ? [...served.sources, this.endpoint('/billing/profile').label]
      : served.sources;

    if (records.length === 0 && served.info?.covered === false) {
      return {
        status: 'pending',
        provider: 'cloudflare',
        accountId: this.account.id,
        endpoint: usageEndpoint.label,
        reason: `no billable-usage record for the billing period starting ${period.start.toISOString()} and the usage info says the account is not covered`,
      };
    }
    // Early in a cycle there may be no rated day yet: that is zero spend so far, in the account's currency.
    const currency =
      records.length === 0
        ? currencyCode(this.account.currency)
        : agreedCurrency(this.http, usageEndpoint, records);
    const inPeriod = records.filter(
      (r) => r.ChargePeriodStart >= period.start && r.ChargePeriodStart < period.end,
    );
    const cost = (record: UsageRecord) => Money.of(record.ContractedCost, currency);
    const spend: PeriodSpend = {
      provider: 'cloudflare',
      accountId: this.account.id,
      BillingPeriodStart: period.start,
      BillingPeriodEnd: period.end,
      asOf: freshness(inPeriod, now) ?? period.start,
      BillingCurrency: currency,
      // ContractedCost is each charge period's own cost; CumulatedContractedCost is a running total.
      BilledCost: Money.sum(inPeriod.map(cost), currency),
      lines: request.needs.breakdown ? serviceLines(inPeriod, currency) : [],
      sources,
    };
    if (request.needs.daily) spend.daily = dailyCosts(inPeriod, currency, this.account.timeZone);
    return { status: 'ok', spend: spend };
  }

  /** Finds the live usage API generation (first time) and reads the current billing period from it. */
  private async usage(now: Date, profile: Promise<BillingProfile | undefined>): Promise<ServedUsage> {
    const notFound: string[] = [];
    for (const api of this.live ? [this.live] : USAGE_APIS) {
      const sources: string[] = [];
      let info: UsageInfo | undefined;
      if (api.info) {
        const infoEndpoint = this.endpoint(api.info);
        const reply = await this.http.send(infoEndpoint);
        if (reply.status === 404) {
          notFound.push(infoEndpoint.label);
          continue;
        }
        info = this.unwrap(infoEndpoint, reply, UsageInfoResponse);
        sources.push(infoEndpoint.label);
      }
      const period = billingPeriod(
        now,
        this.account.timeZone,
        cycleAnchor(info, now),
        (await profile)?.next_bill_date,
      );
      const usageEndpoint = { ...this.endpoint(api.usage), searchParams: dateRange(period) };
      const reply = await this.http.send(usageEndpoint);
      if (reply.status === 404) {
        notFound.push(usageEndpoint.label);
        continue;
      }
      const records = this.unwrap(usageEndpoint, reply, UsageResponse);
      sources.push(usageEndpoint.label);
      if (!this.live) {
        this.live = api;
        this.context.logger.info('cloudflare billable usage served', {
          provider: 'cloudflare',
          account: this.account.id,
          endpoint: usageEndpoint.label,
          notFound,
        });
      }
      return { period, info, records, usageEndpoint, sources };
    }
    throw this.http.error(
      this.endpoint((this.live ?? USAGE_APIS[0]!).usage),
      'not-found',
      `every billable-usage path answered 404 (${notFound.join(', ')}); check accountId and that the account is billed PayGo (self-serve)`,
      404,
    );
  }

  /** The deprecated billing profile: a failure is logged and the read goes on without it. */
  private async billingProfile(): Promise<BillingProfile | undefined> {
    const endpoint = this.endpoint('/billing/profile');
    try {
      const reply = await this.http.send(endpoint);
      // The profile also holds contact and card details: validated without echoing any value.
      const profile = this.unwrap(endpoint, reply, BillingProfileResponse, true);
      this.context.logger.debug('cloudflare billing profile', {
        account: this.account.id,
        balance: profile.balance,
        nextBillDate: profile.next_bill_date?.toISOString(),
      });
      return profile;
    } catch (error) {
      this.context.logger.warn('cloudflare billing profile unavailable; reading usage without it', {
        account: this.account.id,
        endpoint: endpoint.label,
        error: (error as Error).message,
      });
      return undefined;
    }
  }

  /** Checks status and envelope, then the contract; returns `result`. */
  private unwrap<R>(
    endpoint: Endpoint,
    reply: HttpReply,
    schema: z.ZodType<{ result: R }>,
    sensitive = false,
  ): R {
    if (reply.status < 200 || reply.status >= 300) this.throwFailure(endpoint, reply);
    const envelope = this.http.decode(endpoint, Envelope, reply.body, sensitive);
    if (!envelope.success) {
      throw this.http.error(
        endpoint,
        'http',
        `Cloudflare answered "success": false: ${describeErrors(envelope.errors ?? [])}`,
        reply.status,
      );
    }
    return this.http.decode(endpoint, schema, reply.body, sensitive).result;
  }

  /** Throws the error a non-2xx reply deserves, with Cloudflare's own error codes and messages. */
  private throwFailure(endpoint: Endpoint, reply: HttpReply): never {
    const failure = FailureEnvelope.safeParse(reply.body);
    // Not Cloudflare's envelope (a proxy's error page, say): the generic status error shows the body.
    if (!failure.success) this.http.expectOk(endpoint, reply);
    const said = `Cloudflare says: ${describeErrors(failure.data?.errors ?? [])}`;
    if (reply.status === 401 || reply.status === 403) {
      throw this.http.error(
        endpoint,
        'auth',
        `${said}; check credentials.apiToken, that the token has the "Billing Read" permission and that accountId is the token's account`,
        reply.status,
      );
    }
    throw this.http.error(endpoint, reply.status === 404 ? 'not-found' : 'http', said, reply.status);
  }

  private endpoint(suffix: string): Endpoint {
    return {
      method: 'GET',
      path: `/accounts/${encodeURIComponent(this.account.accountId)}${suffix}`,
      label: `GET /accounts/{account_id}${suffix}`,
    };
  }
}

/** The billing cycle anchor of the account's active subscription, if the usage info names one. */
function cycleAnchor(info: UsageInfo | undefined, now: Date): Date | undefined {
  const active = info?.subscriptions.find((s) => !s.end_timestamp || s.end_timestamp > now);
  return active?.billing_cycle_anchor_timestamp;
}

/**
 * The billing cycle containing `now`: it starts on the anchor's day of the month (else the next
 * bill date's, else the 1st). The profile's next_bill_date, when it falls on the cycle's last
 * boundary, is the provider's own end of the period; a stale or inconsistent one is ignored.
 */
function billingPeriod(now: Date, timeZone: string, anchor?: Date, nextBillDate?: Date | null): Period {
  const upcomingBill = nextBillDate && nextBillDate > now ? nextBillDate : undefined;
  const cycleStart = anchor ?? upcomingBill;
  const period = monthlyPeriod(now, timeZone, cycleStart ? toLocal(cycleStart, timeZone).day : 1);
  if (upcomingBill && localDateKey(upcomingBill, timeZone) === localDateKey(period.end, timeZone)) {
    return { ...period, end: upcomingBill };
  }
  return period;
}

/** The latest charge period end seen (an open day ends in the future: capped at now). */
function freshness(records: UsageRecord[], now: Date): Date | undefined {
  if (records.length === 0) return undefined;
  const latest = Math.max(...records.map((r) => r.ChargePeriodEnd.getTime()));
  return new Date(Math.min(latest, now.getTime()));
}

/** from/to (format: date, UTC) covering the whole period; `to` is the day after its last instant. */
function dateRange(period: Period): Record<string, string> {
  const lastDay = new Date(period.end.getTime() - 1);
  const dayAfter = new Date(
    Date.UTC(lastDay.getUTCFullYear(), lastDay.getUTCMonth(), lastDay.getUTCDate() + 1),
  );
  return { from: period.start.toISOString().slice(0, 10), to: dayAfter.toISOString().slice(0, 10) };
}

/** The one billing currency all records share; records that disagree break the contract. */
function agreedCurrency(http: ProviderHttp, endpoint: Endpoint, records: UsageRecord[]): CurrencyCode {
  const first = records[0]!.BillingCurrency;
  const other = records.findIndex((r) => r.BillingCurrency !== first);
  if (other >= 0) {
    throw http.error(
      endpoint,
      'invalid-response',
      `response does not match the provider's contract: field "result.${other}.BillingCurrency" is "${records[other]!.BillingCurrency}" but "result.0.BillingCurrency" is "${first}"; one account bills in one currency`,
    );
  }
  return currencyCode(first);
}

/** One line per service, zone, item and unit over the period. */
function serviceLines(records: UsageRecord[], currency: CurrencyCode): SpendLine[] {
  const lines = new Map<string, SpendLine>();
  for (const r of records) {
    // One line per charge period (a day) and service: scoped budgets build their daily series from them.
    const key = JSON.stringify([
      r.ChargePeriodStart,
      r.ServiceName,
      r.ChargeDescription,
      r.ZoneId,
      r.ConsumedUnit,
    ]);
    const line = lines.get(key);
    const cost = Money.of(r.ContractedCost, currency);
    if (!line) {
      lines.set(key, {
        ServiceName: r.ServiceName,
        ...(r.ChargeDescription ? { ChargeDescription: r.ChargeDescription } : {}),
        ...(r.ZoneId ? { ResourceId: r.ZoneId } : {}),
        ...(r.ZoneName ? { ResourceName: r.ZoneName } : {}),
        ChargePeriodStart: r.ChargePeriodStart,
        ChargePeriodEnd: r.ChargePeriodEnd,
        ConsumedQuantity: decimal(r.ConsumedQuantity),
        ...(r.ConsumedUnit ? { ConsumedUnit: r.ConsumedUnit } : {}),
        BilledCost: cost,
      });
      continue;
    }
    line.BilledCost = line.BilledCost!.plus(cost);
    line.ConsumedQuantity = line.ConsumedQuantity!.plus(decimal(r.ConsumedQuantity));
  }
  return [...lines.values()].sort(
    (a, b) => b.BilledCost!.compare(a.BilledCost!) || a.ServiceName!.localeCompare(b.ServiceName!),
  );
}

/** ContractedCost per local day of ChargePeriodStart, oldest first. */
function dailyCosts(records: UsageRecord[], currency: CurrencyCode, timeZone: string): DailyCost[] {
  const days = new Map<string, Money>();
  for (const r of records) {
    const date = localDateKey(r.ChargePeriodStart, timeZone);
    const cost = Money.of(r.ContractedCost, currency);
    days.set(date, days.get(date)?.plus(cost) ?? cost);
  }
  return [...days.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, BilledCost]) => ({ date, BilledCost }));
}

function describeErrors(errors: { code?: number | undefined; message: string }[]): string {
  if (errors.length === 0) return 'no error detail given';
  return errors
    .slice(0, 3)
    .map((e) => (e.code === undefined ? e.message : `[${e.code}] ${e.message}`))
    .join('; ');
}
