import * as z from 'zod';
import {
  type Endpoint,
  type HttpReply,
  ProviderError,
  type ProviderHttp,
  providerSaid,
} from '../../http/index.ts';
import { type CurrencyCode, currencyCode, decimal, Money } from '../../money/index.ts';
import { secretRef } from '../../secrets/index.ts';
import type { DailyCost, PeriodSpend, ReadPart, SpendLine, SpendReading } from '../../spend/index.ts';
import { monthlyPeriod, type Period } from '../../time/period.ts';
import { localDateKey, toLocal } from '../../time/zoned.ts';
import { accountHttp } from '../account-http.ts';
import { SideCalls } from '../side-calls.ts';
import type { AccountBase, ConnectContext, ProviderModule, ReadRequest, SpendSource } from '../types.ts';
import { type DateRange, usageRanges } from './date-ranges.ts';
import {
  type BillingProfile,
  BillingProfileResponse,
  Envelope,
  FailureEnvelope,
  type Notice,
  type UsageInfo,
  UsageInfoResponse,
  type UsageResponse,
  UsageResponseV1,
  UsageResponseV2,
  type UsageRow,
} from './schemas.ts';

const CLOUDFLARE_BASE_URL = 'https://api.cloudflare.com/client/v4';
const DAY_MS = 86_400_000;

interface UsageApi {
  /** Path of the usage records, relative to /accounts/{account_id}. */
  usage: string;
  /** Its usage info (coverage, the subscriptions' billing cycle anchors), where there is one. */
  info?: string;
  records: UsageResponse;
  /**
   * The longest date range one request may ask for, in days; none: one range per period. A v1 range
   * is never split: one without the cycle's anchor day "returns no usage data".
   */
  maxRangeDays?: number;
}

/**
 * The usage API has moved (cloudflare-typescript history); newest PayGo path first. An account is
 * read from the first generation whose usage path does not answer 404, and that one is kept for the
 * run. FOCUS v2 comes last, for the day v1 is retired: its costs are "not yet populated", so until
 * they are, an account it serves cannot be read (never as zero).
 */
const USAGE_APIS: readonly UsageApi[] = [
  // 2026-08 "Version 1, Alpha" (getAccountUsageV1; the deprecated paygo() calls it too).
  { usage: '/billable-usage', info: '/billable-usage/info', records: UsageResponseV1 },
  { usage: '/paygo-usage', info: '/paygo-usage-info', records: UsageResponseV1 }, // 2026-05
  // 2026-03 Beta: no info endpoint; "a custom date range (maximum 62 days)".
  { usage: '/billing/usage/paygo', records: UsageResponseV1, maxRangeDays: 62 },
  // FOCUS v2 (getAccountUsageV2): "The maximum date range is 31 days". Its info is v1's, the only one.
  { usage: '/billable/usage', info: '/billable-usage/info', records: UsageResponseV2, maxRangeDays: 31 },
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
      'Billing currency assumed when no usage record names one (before the first rated day, or records without BillingCurrency)',
    ),
  useBillingProfile: z
    .boolean()
    .default(true)
    .describe('Read the billing profile for the next bill date; its failure never fails a read'),
});

type CloudflareAccount = z.output<typeof account> & AccountBase;

export const cloudflare: ProviderModule<typeof account> = {
  name: 'cloudflare',
  scopes: {
    services: 'services, e.g. "Workers Standard"',
    items: 'charge descriptions',
    resources: 'zone IDs',
  },
  account,
  // Cloudflare's billing day boundaries and charge periods are in UTC.
  defaultTimeZone: () => 'UTC',
  connect: (acct, context) => new CloudflareSource(acct, context),
};

/** A call's end, kept until it is known whether its failure matters to the reading. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

interface UsageRecords {
  /** The records of the days asked for. */
  rows: UsageRow[];
  /** Every record the responses held, of the days asked for or not: all state the account's currency. */
  served: UsageRow[];
}

interface ServedUsage extends UsageRecords {
  period: Period;
  info: UsageInfo | undefined;
  usageEndpoint: Endpoint;
  sources: string[];
}

type CostedRow = UsageRow & { cost: number };

class CloudflareSource implements SpendSource {
  private readonly http: ProviderHttp;
  /** The usage API generation that answered, remembered for the rest of the run. */
  private live: UsageApi | undefined;

  constructor(
    private readonly account: CloudflareAccount,
    private readonly context: ConnectContext,
  ) {
    this.http = accountHttp('cloudflare', account, account.baseUrl ?? CLOUDFLARE_BASE_URL, context, {
      headers: () => ({ authorization: `Bearer ${context.credentials.apiToken}` }),
    });
  }

  async read(request: ReadRequest): Promise<SpendReading> {
    const now = this.context.clock.now();
    const calls = new SideCalls(this.context.logger, { provider: 'cloudflare', id: this.account.id });
    const profile = this.account.useBillingProfile ? settle(this.billingProfile()) : undefined;
    const { period, info, rows, served, usageEndpoint, sources } = await this.usage(now, profile, calls);
    const inPeriod = rows.filter(
      (r) => r.ChargePeriodStart >= period.start && r.ChargePeriodStart < period.end,
    );

    if (inPeriod.length === 0 && info?.covered === false) {
      return {
        status: 'pending',
        provider: 'cloudflare',
        accountId: this.account.id,
        endpoint: usageEndpoint.label,
        reason: `no billable-usage record for the billing period starting ${period.start.toISOString()} and the usage info says the account is not covered`,
      };
    }
    const costed = inPeriod.filter(hasCost);
    if (costed.length < inPeriod.length)
      throw this.costsNotPopulated(usageEndpoint, inPeriod.length - costed.length, inPeriod.length);
    const currency = this.billingCurrency(usageEndpoint, costed, served, calls);
    const cost = (row: CostedRow) => Money.of(row.cost, currency);
    const spend: PeriodSpend = {
      provider: 'cloudflare',
      accountId: this.account.id,
      BillingPeriodStart: period.start,
      BillingPeriodEnd: period.end,
      asOf: freshness(costed, now) ?? period.start,
      BillingCurrency: currency,
      // Each record's cost is its own charge period's; CumulatedContractedCost, a running total, is never read.
      BilledCost: Money.sum(costed.map(cost), currency),
      lines: request.needs.breakdown ? serviceLines(costed, currency) : [],
      sources,
      ...calls.marks(),
    };
    if (request.needs.daily) spend.daily = dailyCosts(costed, currency, this.account.timeZone);
    return { status: 'ok', spend: spend };
  }

  /**
   * Finds the live usage API generation (first time) and reads the current billing period from it.
   * The usage info and the billing profile are side calls for the period: their failure is marked on
   * the reading once the generation is known to be live.
   */
  private async usage(
    now: Date,
    profile: Promise<Outcome<BillingProfile | undefined>> | undefined,
    calls: SideCalls,
  ): Promise<ServedUsage> {
    const notFound: string[] = [];
    for (const api of this.live ? [this.live] : USAGE_APIS) {
      const info = api.info ? await settle(this.usageInfo(api.info)) : undefined;
      const anchor = info?.ok ? cycleAnchor(info.value, now) : undefined;
      const profiled = await profile;
      const nextBillDate = profiled?.ok ? profiled.value?.next_bill_date : undefined;
      const period = billingPeriod(now, this.account.timeZone, anchor, nextBillDate);
      const usageEndpoint = this.endpoint(api.usage);
      const records = await this.usageRows(api, usageEndpoint, usageRanges(period, now, api.maxRangeDays));
      if (!records) {
        notFound.push(usageEndpoint.label);
        continue;
      }
      if (!this.live) {
        this.live = api;
        this.context.logger.info('cloudflare billable usage served', {
          provider: 'cloudflare',
          account: this.account.id,
          endpoint: usageEndpoint.label,
          notFound,
        });
      }
      const sources = [...(info?.ok ? [this.endpoint(api.info!).label] : []), usageEndpoint.label];
      if (info && !info.ok) await noteFailure(calls, 'billingPeriod', info);
      if (profiled?.ok) sources.push(this.endpoint('/billing/profile').label);
      // The profile's next bill date names the cycle's day only when no anchor does: only then does its
      // failure change the period. Otherwise it would at most move the period's end within its last day.
      else if (profiled && !anchor) await noteFailure(calls, 'billingPeriod', profiled);
      else if (profiled) this.profileUnavailable(profiled.error);
      return { period, info: info?.ok ? info.value : undefined, ...records, usageEndpoint, sources };
    }
    throw this.http.error(
      this.endpoint((this.live ?? USAGE_APIS[0]!).usage),
      'not-found',
      `every billable-usage path answered 404 (${notFound.join(', ')}); check accountId and that the account is billed PayGo (self-serve)`,
      404,
    );
  }

  /**
   * The records of every range, each kept to the days it asked for (so ranges never count a record
   * twice, whatever a server sends); undefined when the generation's path answers 404.
   */
  private async usageRows(
    api: UsageApi,
    endpoint: Endpoint,
    ranges: DateRange[],
  ): Promise<UsageRecords | undefined> {
    const records: UsageRecords = { rows: [], served: [] };
    for (const [i, range] of ranges.entries()) {
      const ranged = { ...endpoint, searchParams: { from: range.from, to: range.to } };
      const reply = await this.http.send(ranged);
      if (reply.status === 404 && i === 0) return undefined;
      const from = Date.parse(range.from);
      const until = Date.parse(range.to) + DAY_MS;
      for (const row of this.unwrap(ranged, reply, api.records)) {
        records.served.push(row);
        const start = row.ChargePeriodStart.getTime();
        if (start >= from && start < until) records.rows.push(row);
      }
    }
    return records;
  }

  private async usageInfo(suffix: string): Promise<UsageInfo> {
    const endpoint = this.endpoint(suffix);
    return this.unwrap(endpoint, await this.http.send(endpoint), UsageInfoResponse);
  }

  /** The billing profile (`result: null` reads as none). */
  private async billingProfile(): Promise<BillingProfile | undefined> {
    const endpoint = this.endpoint('/billing/profile');
    // The profile also holds contact and card details: validated without echoing any value.
    const profile = this.unwrap(endpoint, await this.http.send(endpoint), BillingProfileResponse, true);
    this.context.logger.debug('cloudflare billing profile', {
      account: this.account.id,
      balance: profile?.balance,
      nextBillDate: profile?.next_bill_date?.toISOString(),
    });
    return profile ?? undefined;
  }

  /** A profile failure that does not change the period: a log line, the reading stays whole. */
  private profileUnavailable(error: unknown): void {
    if (!(error instanceof ProviderError)) throw error;
    this.context.logger.warn('cloudflare billing profile unavailable; reading usage without it', {
      account: this.account.id,
      endpoint: error.endpoint,
      error: error.message,
    });
  }

  /**
   * The one billing currency the response states: its records that name one, in the period or not,
   * must agree (one account bills in one currency); the period's records that name none take theirs.
   * When no record names one, the account's `currency` stands in and a reading of records says so
   * (with none in the period, the zero needs no currency of its own).
   */
  private billingCurrency(
    endpoint: Endpoint,
    periodRows: UsageRow[],
    served: UsageRow[],
    calls: SideCalls,
  ): CurrencyCode {
    const named = served.filter((r) => r.BillingCurrency !== undefined);
    const first = named[0];
    if (!first) {
      if (periodRows.length > 0) {
        calls.note({
          part: 'currency',
          endpoint: endpoint.label,
          reason: `none of the period's ${periodRows.length} usage records names its BillingCurrency`,
        });
      }
      return currencyCode(this.account.currency);
    }
    const other = named.find((r) => r.BillingCurrency !== first.BillingCurrency);
    if (other) {
      throw this.http.error(
        endpoint,
        'invalid-response',
        `response does not match the provider's contract: field "BillingCurrency" is "${other.BillingCurrency}" in the record of ${describeRow(other)} but "${first.BillingCurrency}" in the record of ${describeRow(first)}; one account bills in one currency`,
      );
    }
    return currencyCode(first.BillingCurrency!);
  }

  /** FOCUS v2 records without a cost: no figure can be read, and none is read as zero. */
  private costsNotPopulated(endpoint: Endpoint, uncosted: number, total: number): ProviderError {
    return this.http.error(
      endpoint,
      'invalid-response',
      `Cloudflare's FOCUS v2 billable usage does not carry costs yet: ${uncosted} of the period's ${total} records have neither BilledCost nor ContractedCost ("not yet populated", per Cloudflare). The v1 billable-usage paths answer 404 (retired), so this account's spend cannot be read until Cloudflare populates v2 costs; it is not read as zero`,
    );
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
    if (envelope.success === false) {
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

async function settle<T>(call: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Marks `part` missing for a failed provider call (a bug, any other error, is thrown). */
async function noteFailure(calls: SideCalls, part: ReadPart, failed: Outcome<unknown>): Promise<void> {
  await calls.attempt(part, undefined, async () => {
    if (!failed.ok) throw failed.error;
  });
}

/** "2026-11-16 (Workers Standard)": a record as a person finds it in the usage. */
function describeRow(row: UsageRow): string {
  return `${row.ChargePeriodStart.toISOString().slice(0, 10)} (${row.ServiceName})`;
}

function hasCost(row: UsageRow): row is CostedRow {
  return row.cost !== undefined;
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
function freshness(rows: UsageRow[], now: Date): Date | undefined {
  if (rows.length === 0) return undefined;
  const latest = Math.max(...rows.map((r) => r.ChargePeriodEnd.getTime()));
  return new Date(Math.min(latest, now.getTime()));
}

/** One line per service, zone, item and unit over the period. */
function serviceLines(rows: CostedRow[], currency: CurrencyCode): SpendLine[] {
  const lines = new Map<string, SpendLine>();
  for (const r of rows) {
    // One line per charge period (a day) and service: scoped budgets build their daily series from them.
    const key = JSON.stringify([
      r.ChargePeriodStart,
      r.ServiceName,
      r.ChargeDescription,
      r.ZoneId,
      r.ConsumedUnit,
    ]);
    const line = lines.get(key);
    const cost = Money.of(r.cost, currency);
    const quantity = r.ConsumedQuantity === undefined ? undefined : decimal(r.ConsumedQuantity);
    if (!line) {
      lines.set(key, {
        ServiceName: r.ServiceName,
        ...(r.ChargeDescription ? { ChargeDescription: r.ChargeDescription } : {}),
        ...(r.ZoneId ? { ResourceId: r.ZoneId } : {}),
        ...(r.ZoneName ? { ResourceName: r.ZoneName } : {}),
        ChargePeriodStart: r.ChargePeriodStart,
        ChargePeriodEnd: r.ChargePeriodEnd,
        ...(quantity ? { ConsumedQuantity: quantity } : {}),
        ...(r.ConsumedUnit ? { ConsumedUnit: r.ConsumedUnit } : {}),
        BilledCost: cost,
      });
      continue;
    }
    line.BilledCost = line.BilledCost!.plus(cost);
    // A record without a quantity leaves the line without one: a partial sum would understate it.
    line.ConsumedQuantity = quantity && line.ConsumedQuantity?.plus(quantity);
  }
  return [...lines.values()].sort(
    (a, b) => b.BilledCost!.compare(a.BilledCost!) || a.ServiceName!.localeCompare(b.ServiceName!),
  );
}

/** The records' cost per local day of ChargePeriodStart, oldest first. */
function dailyCosts(rows: CostedRow[], currency: CurrencyCode, timeZone: string): DailyCost[] {
  const days = new Map<string, Money>();
  for (const r of rows) {
    const date = localDateKey(r.ChargePeriodStart, timeZone);
    const cost = Money.of(r.cost, currency);
    days.set(date, days.get(date)?.plus(cost) ?? cost);
  }
  return [...days.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, BilledCost]) => ({ date, BilledCost }));
}

function describeErrors(errors: Notice[]): string {
  if (errors.length === 0) return 'no error detail given';
  return errors
    .slice(0, 3)
    .map((e) => {
      const message = e.message ?? 'no message';
      return e.code === undefined ? message : `[${e.code}] ${message}`;
    })
    .map(providerSaid)
    .join('; ');
}
