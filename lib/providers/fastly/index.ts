/**
 * Fastly billing: the month-to-date invoice (Billing v3), closed invoices for history, usage metrics
 * for usage budgets and per-service usage for breakdowns. Accounts still on the retired Billing v2 API
 * can set `api: v2`. Contract: ../shared/specs/fastly (generated SDK docs; no raw OpenAPI published).
 */
import * as z from 'zod';
import { type Endpoint, fixedEndpoint, type HttpReply, ProviderHttp } from '../../http/index.ts';
import { type CurrencyCode, currencyCode, decimal, Money } from '../../money/index.ts';
import { secretRef } from '../../secrets/index.ts';
import type { PeriodSpend, SpendLine, SpendReading } from '../../spend/index.ts';
import { pad } from '../../time/zoned.ts';
import type {
  AccountBase,
  ConnectContext,
  MonthlyTotal,
  ProviderModule,
  ReadRequest,
  SpendSource,
} from '../types.ts';
import {
  EomInvoice,
  InvoiceList,
  type LineItem,
  MtdInvoice,
  ServiceUsageMetrics,
  UsageMetrics,
  V2Estimate,
  V2Invoice,
} from './schemas.ts';

export const FASTLY_BASE_URL = 'https://api.fastly.com';

const account = z.object({
  provider: z.literal('fastly'),
  api: z
    .enum(['v3', 'v2'])
    .default('v3')
    .describe('Billing API: v3, or the legacy v2 that Fastly retired in 2025'),
  customerId: z
    .string()
    .min(1)
    .optional()
    .describe('Fastly customer ID; needed only with api: v2, whose paths name the customer'),
  mtdPendingBudgetSeconds: z
    .number()
    .min(0)
    .max(300)
    .default(60)
    .describe('How long one run waits for a month-to-date invoice Fastly is still generating (202)'),
  credentials: z
    .object({
      apiToken: secretRef.describe('Fastly API token, sent as Fastly-Key, e.g. env:FASTLY_API_TOKEN'),
    })
    .strict(),
});

type FastlyAccount = z.output<typeof account> & AccountBase;

export const fastly: ProviderModule<typeof account> = {
  name: 'fastly',
  account,
  // Fastly bills calendar months in UTC: its billing dates are midnight UTC.
  defaultTimeZone: () => 'UTC',
  connect: (acct, context) => new FastlySource(acct, context),
};

/** One closed invoice, as `fetchInvoice` returns it. */
export interface FastlyInvoice {
  invoiceId: string;
  /** "2026-07": the UTC month the billing cycle starts in. */
  month: string;
  BillingPeriodStart: Date;
  /** Exclusive. */
  BillingPeriodEnd: Date;
  BilledCost: Money;
  lines: SpendLine[];
}

/** GET /billing/v3/invoices/{invoice_id} (v3) or .../account_customers/{customer_id}/invoices/{invoice_id} (v2). */
export function fetchInvoice(source: SpendSource, invoiceId: string): Promise<FastlyInvoice> {
  return asFastly(source).invoice(invoiceId);
}

/** Usage quantities of the months `startMonth`..`endMonth` ("YYYY-MM", inclusive), in ≤3-month calls. */
export function fetchUsage(source: SpendSource, startMonth: string, endMonth: string): Promise<SpendLine[]> {
  return asFastly(source).usage(startMonth, endMonth);
}

function asFastly(source: SpendSource): FastlySource {
  if (!(source instanceof FastlySource))
    throw new TypeError('expected a source connected by the fastly provider');
  return source;
}

const MTD = fixedEndpoint('GET', '/billing/v3/invoices/month-to-date');
const INVOICES = fixedEndpoint('GET', '/billing/v3/invoices');
const USAGE = fixedEndpoint('GET', '/billing/v3/usage-metrics');
const SERVICE_USAGE = fixedEndpoint('GET', '/billing/v3/service-usage-metrics');

/** /usage-metrics answers at most three months per call (Fastly API docs). */
const USAGE_MONTHS_PER_CALL = 3;
const INVOICE_PAGE_SIZE = '200'; // the documented maximum
const SERVICE_USAGE_PAGE_SIZE = '1000'; // the documented default (maximum 10000)
// Fastly: the estimate "generally takes less than 5 seconds ... in certain cases up to 60 seconds".
const FIRST_POLL_MS = 500;
const MAX_POLL_MS = 10_000;
/** Costs in Billing v2 are USD (BillingTotal's field descriptions). */
const V2_CURRENCY = 'USD';
const V2_RETIRED =
  'Fastly retired the Billing v2 API in 2025 and no longer serves this path; set `api: v3` on this account (a 404 here can also mean a wrong customerId)';

type Generated =
  | { status: 'ready'; reply: HttpReply }
  | { status: 'pending'; polls: number; waitedMs: number };

class FastlySource implements SpendSource {
  private readonly http: ProviderHttp;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly account: FastlyAccount,
    private readonly context: ConnectContext,
  ) {
    if (account.api === 'v2' && !account.customerId) {
      throw new Error(
        `fastly account "${account.id}": customerId is required with api: v2 (its paths are /billing/v2/account_customers/{customer_id}/...); add customerId, or use api: v3, which needs none`,
      );
    }
    this.http = new ProviderHttp({
      provider: 'fastly',
      accountId: account.id,
      baseUrl: account.baseUrl ?? FASTLY_BASE_URL,
      clock: context.clock,
      logger: context.logger,
      ...context.http,
      headers: () => ({ 'Fastly-Key': context.credentials.apiToken ?? '' }),
      rateLimitDelayMs: fastlyRateLimitDelayMs,
    });
    this.sleep = context.http.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  read(request: ReadRequest): Promise<SpendReading> {
    return this.account.api === 'v2' ? this.readV2() : this.readV3(request);
  }

  async history(months: number): Promise<MonthlyTotal[]> {
    if (months <= 0) return [];
    const current = monthIndex(utcMonth(this.context.clock.now()));
    return this.account.api === 'v2'
      ? this.historyV2(current - months, current - 1)
      : this.historyV3(current - months, current - 1);
  }

  async invoice(invoiceId: string): Promise<FastlyInvoice> {
    if (this.account.api === 'v2') {
      const endpoint: Endpoint = {
        method: 'GET',
        path: `${this.v2CustomerPath()}/invoices/${encodeURIComponent(invoiceId)}`,
        label: 'GET /billing/v2/account_customers/{customer_id}/invoices/{invoice_id}',
      };
      const invoice = await this.v2Json(endpoint, V2Invoice);
      if (!invoice.start_time) {
        throw this.http.error(
          endpoint,
          'invalid-response',
          'the invoice has no start_time, so its month is unknown',
        );
      }
      const start = invoice.start_time;
      return {
        invoiceId: String(invoice.invoice_id ?? invoiceId),
        month: utcMonth(start),
        BillingPeriodStart: start,
        BillingPeriodEnd: invoice.end_time ? exclusiveBillingEnd(invoice.end_time) : nextMonthStart(start),
        BilledCost: Money.of(invoice.total.cost, V2_CURRENCY),
        lines: invoice.line_items.map((item) => ({
          ServiceName: item.service_name ?? undefined,
          ChargeDescription: item.description ?? undefined,
          ConsumedQuantity: quantity(item.units),
          BilledCost: cost(item.amount, V2_CURRENCY),
        })),
      };
    }
    const endpoint: Endpoint = {
      method: 'GET',
      path: `/billing/v3/invoices/${encodeURIComponent(invoiceId)}`,
      label: 'GET /billing/v3/invoices/{invoice_id}',
    };
    const reply = await this.http.send(endpoint);
    if (reply.status === 404) {
      throw this.http.error(endpoint, 'not-found', "no invoice with this ID for the token's customer", 404);
    }
    const invoice = this.http.okBody(endpoint, reply, EomInvoice);
    const start = invoice.billing_start_date;
    return {
      invoiceId: invoice.invoice_id,
      month: utcMonth(start),
      BillingPeriodStart: start,
      BillingPeriodEnd: exclusiveBillingEnd(invoice.billing_end_date),
      BilledCost: Money.of(invoice.monthly_transaction_amount, invoice.currency_code),
      lines: invoice.transaction_line_items.map((item) => lineItem(item, invoice.currency_code)),
    };
  }

  async usage(startMonth: string, endMonth: string): Promise<SpendLine[]> {
    const replies = await Promise.all(
      splitMonthRange(startMonth, endMonth).map((range) =>
        this.http.json({ ...USAGE, searchParams: range }, UsageMetrics),
      ),
    );
    return replies.flatMap(({ data }) =>
      data.map((metric) => ({
        ServiceName: metric.product_id,
        ChargeDescription: metric.name,
        RegionName: metric.region,
        ...chargeMonth(metric.month),
        ConsumedQuantity: quantity(metric.quantity),
        ConsumedUnit: metric.unit,
      })),
    );
  }

  private async readV3(request: ReadRequest): Promise<SpendReading> {
    const generated = await this.whenGenerated(MTD);
    if (generated.status === 'pending') return this.pending(MTD, generated);
    const { reply } = generated;
    if (reply.status === 422) {
      throw this.http.error(
        MTD,
        'http',
        'Fastly cannot compute a month-to-date invoice for this account (its docs name accounts paid by a parent account); watch the paying account instead',
        422,
      );
    }
    const mtd = this.http.okBody(MTD, reply, MtdInvoice);
    const month = utcMonth(mtd.billing_start_date);
    const [currency, usage, services] = await Promise.all([
      this.latestInvoiceCurrency(),
      request.needs.usage ? this.usage(month, month) : [],
      request.needs.breakdown ? this.serviceUsage(month) : [],
    ]);
    const spend: PeriodSpend = {
      provider: 'fastly',
      accountId: this.account.id,
      BillingPeriodStart: mtd.billing_start_date,
      BillingPeriodEnd: exclusiveBillingEnd(mtd.billing_end_date),
      asOf: this.servedAt(reply),
      BillingCurrency: currency,
      BilledCost: Money.of(mtd.monthly_transaction_amount, currency),
      lines: [...mtd.transaction_line_items.map((item) => lineItem(item, currency)), ...usage, ...services],
      sources: [
        MTD.label,
        INVOICES.label,
        ...(request.needs.usage ? [USAGE.label] : []),
        ...(request.needs.breakdown ? [SERVICE_USAGE.label] : []),
      ],
    };
    return { status: 'ok', spend: spend };
  }

  /**
   * The month-to-date model has no currency_code, so the currency comes from the latest closed
   * invoice (the list is newest first). An account with no invoice yet is assumed to be billed in
   * USD, the currency of Fastly's published prices.
   */
  private async latestInvoiceCurrency(): Promise<CurrencyCode> {
    const latest = await this.http.json({ ...INVOICES, searchParams: { limit: '1' } }, InvoiceList);
    return currencyCode(latest.data[0]?.currency_code ?? 'USD');
  }

  private async serviceUsage(month: string): Promise<SpendLine[]> {
    const endpoint = {
      ...SERVICE_USAGE,
      searchParams: { start_month: month, end_month: month, limit: SERVICE_USAGE_PAGE_SIZE },
    };
    const pages = await this.pages(endpoint, ServiceUsageMetrics, (page) => page.data.meta?.next_cursor);
    return pages.flatMap(({ data }) =>
      data.details.map((service) => ({
        ChargeDescription: data.usage_type,
        ResourceId: service.service_id,
        ResourceName: service.service_name,
        ...chargeMonth(month),
        ConsumedQuantity: quantity(service.usage_units),
        ConsumedUnit: data.unit,
      })),
    );
  }

  private async historyV3(fromMonth: number, toMonth: number): Promise<MonthlyTotal[]> {
    const endpoint = {
      ...INVOICES,
      searchParams: {
        billing_start_date: `${monthName(fromMonth)}-01`,
        billing_end_date: lastDayOf(toMonth),
        limit: INVOICE_PAGE_SIZE,
      },
    };
    const pages = await this.pages(endpoint, InvoiceList, (page) => page.meta?.next_cursor);
    const byMonth = new Map<string, Money>();
    for (const invoice of pages.flatMap((page) => page.data)) {
      const month = utcMonth(invoice.billing_start_date);
      const index = monthIndex(month);
      // How Fastly applies the date filters is undocumented: keep only the months asked for.
      if (index < fromMonth || index > toMonth) continue;
      const amount = Money.of(invoice.monthly_transaction_amount, invoice.currency_code);
      const earlier = byMonth.get(month);
      byMonth.set(month, earlier ? earlier.plus(amount) : amount);
    }
    return [...byMonth]
      .sort(([a], [b]) => b.localeCompare(a))
      .map(([month, BilledCost]) => ({ month, BilledCost, closed: true }));
  }

  private async readV2(): Promise<SpendReading> {
    const endpoint: Endpoint = {
      method: 'GET',
      path: `${this.v2CustomerPath()}/mtd_invoice`,
      label: 'GET /billing/v2/account_customers/{customer_id}/mtd_invoice',
    };
    const generated = await this.whenGenerated(endpoint);
    if (generated.status === 'pending') return this.pending(endpoint, generated);
    this.expectV2Ok(endpoint, generated.reply);
    const estimate = this.http.decode(endpoint, V2Estimate, generated.reply.body);
    const asOf = this.servedAt(generated.reply);
    const monthStart = new Date(Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), 1));
    // The v2 API has no usage endpoints: its line items are the whole breakdown.
    const spend: PeriodSpend = {
      provider: 'fastly',
      accountId: this.account.id,
      // Both are nullable in v2; without them the estimate is the current UTC month's.
      BillingPeriodStart: estimate.start_time ?? monthStart,
      BillingPeriodEnd: estimate.end_time
        ? exclusiveBillingEnd(estimate.end_time)
        : nextMonthStart(monthStart),
      asOf,
      BillingCurrency: currencyCode(V2_CURRENCY),
      BilledCost: Money.of(estimate.total.cost, V2_CURRENCY),
      lines: estimate.line_items.map((item) => ({
        ServiceName: item.service_type,
        ChargeDescription: item.description,
        ConsumedQuantity: quantity(item.units),
        BilledCost: cost(item.amount, V2_CURRENCY),
      })),
      sources: [endpoint.label],
    };
    return { status: 'ok', spend: spend };
  }

  /** Newest month first; stops at the first 404 after a found month (the account did not exist yet). */
  private async historyV2(fromMonth: number, toMonth: number): Promise<MonthlyTotal[]> {
    const totals: MonthlyTotal[] = [];
    for (let index = toMonth; index >= fromMonth; index--) {
      const month = monthName(index);
      const endpoint: Endpoint = {
        method: 'GET',
        path: `/billing/v2/year/${month.slice(0, 4)}/month/${month.slice(5, 7)}`,
        label: 'GET /billing/v2/year/{year}/month/{month}',
      };
      const reply = await this.http.send(endpoint);
      if (reply.status === 404 && totals.length > 0) break;
      this.expectV2Ok(endpoint, reply);
      const invoice = this.http.decode(endpoint, V2Invoice, reply.body);
      totals.push({ month, BilledCost: Money.of(invoice.total.cost, V2_CURRENCY), closed: true });
    }
    return totals;
  }

  private async v2Json<S extends z.ZodType>(endpoint: Endpoint, schema: S): Promise<z.output<S>> {
    const reply = await this.http.send(endpoint);
    this.expectV2Ok(endpoint, reply);
    return this.http.decode(endpoint, schema, reply.body);
  }

  private expectV2Ok(endpoint: Endpoint, reply: HttpReply): void {
    if (reply.status === 404) throw this.http.error(endpoint, 'not-found', V2_RETIRED, 404);
    this.http.expectOk(endpoint, reply);
  }

  private v2CustomerPath(): string {
    return `/billing/v2/account_customers/${encodeURIComponent(this.account.customerId ?? '')}`;
  }

  /**
   * Fastly answers 202 while it generates the month-to-date invoice, then caches it for 4 h. Asks
   * again with doubling waits until the account's pending budget is spent.
   */
  private async whenGenerated(endpoint: Endpoint): Promise<Generated> {
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

  private pending(endpoint: Endpoint, generated: { polls: number; waitedMs: number }): SpendReading {
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
  private servedAt(reply: HttpReply): Date {
    const served = Date.parse(reply.headers.get('date') ?? '');
    return Number.isNaN(served) ? this.context.clock.now() : new Date(served);
  }

  /**
   * Follows `next_cursor` to the last page. Cursors hold '+' and '=': they go through searchParams,
   * which percent-encodes them (a raw '+' would reach Fastly as a space).
   */
  private async pages<S extends z.ZodType>(
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

/**
 * Fastly's billing_end_date names the cycle's last day at midnight ("2026-07-31T00:00:00Z" ends July),
 * so the exclusive end is the next midnight UTC. An end already at midnight on a 1st is exclusive as
 * written (a whole month the other way round) and kept, rather than stretched by a day.
 */
export function exclusiveBillingEnd(end: Date): Date {
  const dayStart = Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate());
  if (dayStart === end.getTime() && end.getUTCDate() === 1) return end;
  return new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate() + 1));
}

/** Splits an inclusive "YYYY-MM" range into the ≤3-month ranges /usage-metrics accepts. */
export function splitMonthRange(
  startMonth: string,
  endMonth: string,
  monthsPerCall = USAGE_MONTHS_PER_CALL,
): { start_month: string; end_month: string }[] {
  const first = monthIndex(startMonth);
  const last = monthIndex(endMonth);
  if (last < first) throw new RangeError(`end month ${endMonth} is before start month ${startMonth}`);
  const ranges: { start_month: string; end_month: string }[] = [];
  for (let from = first; from <= last; from += monthsPerCall) {
    ranges.push({
      start_month: monthName(from),
      end_month: monthName(Math.min(from + monthsPerCall - 1, last)),
    });
  }
  return ranges;
}

function lineItem(item: z.output<typeof LineItem>, currency: string): SpendLine {
  return {
    ServiceName: item.product_name,
    ChargeDescription: item.description,
    RegionName: item.region,
    ConsumedQuantity: quantity(item.units),
    ConsumedUnit: item.usage_type,
    BilledCost: cost(item.amount, currency),
  };
}

function quantity(value: number | null | undefined) {
  return value == null ? undefined : decimal(value);
}

function cost(value: number | null | undefined, currency: string) {
  return value == null ? undefined : Money.of(value, currency);
}

function utcMonth(at: Date): string {
  return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}`;
}

/** Months counted from year 0, so ranges are plain integer arithmetic. */
function monthIndex(month: string): number {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const number = Number(match?.[2]);
  if (!match || number < 1 || number > 12) throw new RangeError(`"${month}" is not a month like 2026-07`);
  return Number(match[1]) * 12 + number - 1;
}

function monthName(index: number): string {
  return `${pad(Math.floor(index / 12), 4)}-${pad((index % 12) + 1)}`;
}

function lastDayOf(index: number): string {
  const day = new Date(Date.UTC(Math.floor(index / 12), (index % 12) + 1, 0)).getUTCDate();
  return `${monthName(index)}-${pad(day)}`;
}

/** A "YYYY-MM" month as a half-open UTC charge period; nothing for a month written otherwise. */
function chargeMonth(month: string | undefined): Pick<SpendLine, 'ChargePeriodStart' | 'ChargePeriodEnd'> {
  const start = new Date(`${month}-01T00:00:00Z`);
  if (!/^\d{4}-\d{2}$/.test(month ?? '') || Number.isNaN(start.getTime())) return {};
  return { ChargePeriodStart: start, ChargePeriodEnd: nextMonthStart(start) };
}

function nextMonthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}
