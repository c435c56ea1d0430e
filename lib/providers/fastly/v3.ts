/**
 * Billing v3. The headline is ONE call, the month-to-date invoice; everything else is a side call
 * that costs only its part when it fails: the invoices (the currency), the usage metrics (usage) and
 * the service-level usage (breakdown).
 */
import { type Endpoint, fixedEndpoint } from '../../http/index.ts';
import { type CurrencyCode, isCurrencyCode, Money } from '../../money/index.ts';
import type { PeriodSpend, SpendLine, SpendReading } from '../../spend/index.ts';
import { SideCalls } from '../side-calls.ts';
import type { MonthlyTotal, ReadRequest } from '../types.ts';
import type { FastlyClient } from './client.ts';
import { lineItem, usageLine } from './lines.ts';
import {
  exclusiveBillingEnd,
  lastDayOf,
  monthIndex,
  monthName,
  monthStart,
  nextMonthStart,
  utcMonth,
} from './months.ts';
import { EomInvoice, InvoiceList, MtdInvoice } from './schemas.ts';
import { SERVICE_USAGE, USAGE, usageByService, usageMetrics } from './usage.ts';

const MTD = fixedEndpoint('GET', '/billing/v3/invoices/month-to-date');
const INVOICES = fixedEndpoint('GET', '/billing/v3/invoices');
const INVOICE_PAGE_SIZE = '200'; // the documented maximum
/** Closed invoices looked at for a currency: a year of monthly invoices, in one call. */
const CURRENCY_LOOKBACK = '12';

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

export async function readV3(client: FastlyClient, request: ReadRequest): Promise<SpendReading> {
  const generated = await client.whenGenerated(MTD);
  if (generated.status === 'pending') return client.pending(MTD, generated);
  const { reply } = generated;
  if (reply.status === 422) {
    throw client.http.error(
      MTD,
      'http',
      'Fastly cannot compute a month-to-date invoice for this account (its docs name accounts paid by a parent account); watch the paying account instead',
      422,
    );
  }
  const mtd = client.http.okBody(MTD, reply, MtdInvoice);
  const sideCalls = new SideCalls(client.logger, client.account);
  const served = new Set([MTD.label]);
  const period = billingPeriod(mtd, client.clock.now(), sideCalls);
  const month = utcMonth(period.start);
  const [currency, usage] = await Promise.all([
    accountCurrency(client, sideCalls, served),
    request.needs.usage ? usageLines(client, month, Boolean(request.needs.breakdown), sideCalls, served) : [],
  ]);
  const spend: PeriodSpend = {
    provider: 'fastly',
    accountId: client.account.id,
    BillingPeriodStart: period.start,
    BillingPeriodEnd: period.end,
    asOf: client.servedAt(reply),
    BillingCurrency: currency,
    BilledCost: Money.of(mtd.monthly_transaction_amount, currency),
    lines: [...mtd.transaction_line_items.map((item) => lineItem(item, currency)), ...usage],
    sources: [MTD, INVOICES, USAGE, SERVICE_USAGE].map((e) => e.label).filter((label) => served.has(label)),
    ...sideCalls.marks(),
  };
  return { status: 'ok', spend };
}

/**
 * The month-to-date invoice's billing cycle. Both dates are optional in the model: without them it is
 * the current UTC calendar month by the clock, since Fastly bills calendar months in UTC (the period
 * is then marked as inferred).
 */
function billingPeriod(
  mtd: { billing_start_date?: Date; billing_end_date?: Date },
  now: Date,
  sideCalls: SideCalls,
): { start: Date; end: Date } {
  const start = mtd.billing_start_date ?? monthStart(now);
  const end = mtd.billing_end_date ? exclusiveBillingEnd(mtd.billing_end_date) : nextMonthStart(start);
  const absent = [
    ...(mtd.billing_start_date ? [] : ['billing_start_date']),
    ...(mtd.billing_end_date ? [] : ['billing_end_date']),
  ];
  if (absent.length > 0) {
    sideCalls.note({
      part: 'billingPeriod',
      endpoint: MTD.label,
      reason: `the month-to-date invoice has no ${absent.join(' or ')}; the UTC calendar month is assumed, as Fastly bills by it`,
    });
  }
  return { start, end };
}

/**
 * The month-to-date model has no currency_code: the currency is the one the latest closed invoice
 * naming a valid code gives (the list is newest first), else the account's `currency` setting. The
 * setting stands in silently for an account with no invoice yet; otherwise the currency is marked
 * missing, so the alert says where it came from.
 */
async function accountCurrency(
  client: FastlyClient,
  sideCalls: SideCalls,
  served: Set<string>,
): Promise<CurrencyCode> {
  const setting = client.account.currency;
  const latest = await sideCalls.attempt('currency', undefined, () =>
    client.http.json({ ...INVOICES, searchParams: { limit: CURRENCY_LOOKBACK } }, InvoiceList),
  );
  if (!latest) return setting;
  served.add(INVOICES.label);
  const named = namedCurrency(latest.data);
  if (named) return named;
  if (latest.data.length > 0) {
    const codes = latest.data.flatMap((invoice) => (invoice.currency_code ? [invoice.currency_code] : []));
    sideCalls.note({
      part: 'currency',
      endpoint: INVOICES.label,
      reason: `none of the ${latest.data.length} latest invoices names an ISO 4217 currency_code${codes.length ? ` (got ${codes.map((code) => JSON.stringify(code)).join(', ')})` : ''}`,
    });
  }
  return setting;
}

/** The currency of the first invoice (newest first) that names a valid one. */
function namedCurrency(invoices: EomInvoice[]): CurrencyCode | undefined {
  return invoices.map((invoice) => invoice.currency_code).find((code) => code && isCurrencyCode(code)) as
    | CurrencyCode
    | undefined;
}

/** Usage quantities of the month, split by service when the budgets want a breakdown. */
async function usageLines(
  client: FastlyClient,
  month: string,
  breakdown: boolean,
  sideCalls: SideCalls,
  served: Set<string>,
): Promise<SpendLine[]> {
  const metrics = await sideCalls.attempt('usage', undefined, () => usageMetrics(client, month, month));
  if (!metrics) return [];
  served.add(USAGE.label);
  if (breakdown) return usageByService(client, { month, metrics, sideCalls, served });
  return metrics.map((metric) => usageLine(metric));
}

/**
 * Closed invoices of months `fromMonth`..`toMonth` (indexes), summed per month, newest first. An
 * invoice without a currency takes the newest listed one's that names one, else the account setting;
 * one without billing_start_date or an amount cannot be placed or counted: it is skipped with a
 * warning rather than failing the history.
 */
export async function historyV3(
  client: FastlyClient,
  fromMonth: number,
  toMonth: number,
): Promise<MonthlyTotal[]> {
  const endpoint = {
    ...INVOICES,
    searchParams: {
      billing_start_date: `${monthName(fromMonth)}-01`,
      billing_end_date: lastDayOf(toMonth),
      limit: INVOICE_PAGE_SIZE,
    },
  };
  const pages = await client.pages(endpoint, InvoiceList, (page) => page.meta?.next_cursor);
  const invoices = pages.flatMap((page) => page.data);
  const fallback = namedCurrency(invoices) ?? client.account.currency;
  const byMonth = new Map<string, Money>();
  for (const invoice of invoices) {
    const skip = (why: string) =>
      client.logger.warn(`fastly invoice skipped in the history: ${why}`, {
        provider: 'fastly',
        account: client.account.id,
        endpoint: INVOICES.label,
        invoice: invoice.invoice_id,
      });
    if (!invoice.billing_start_date) {
      skip('it has no billing_start_date, so its month is unknown');
      continue;
    }
    if (invoice.monthly_transaction_amount === undefined) {
      skip('it has no monthly_transaction_amount');
      continue;
    }
    const month = utcMonth(invoice.billing_start_date);
    const index = monthIndex(month);
    // How Fastly applies the date filters is undocumented: keep only the months asked for.
    if (index < fromMonth || index > toMonth) continue;
    const amount = Money.of(invoice.monthly_transaction_amount, invoiceCurrency(client, invoice, fallback));
    const earlier = byMonth.get(month);
    if (earlier && earlier.currency !== amount.currency) {
      skip(`it is in ${amount.currency}, the month's other invoices in ${earlier.currency}`);
      continue;
    }
    byMonth.set(month, earlier ? earlier.plus(amount) : amount);
  }
  return [...byMonth]
    .sort(([a], [b]) => b.localeCompare(a))
    .map(([month, BilledCost]) => ({ month, BilledCost, closed: true }));
}

/** An invoice's own currency, else `fallback` (said in a warning). */
function invoiceCurrency(client: FastlyClient, invoice: EomInvoice, fallback: CurrencyCode): CurrencyCode {
  const own = invoice.currency_code;
  if (own && isCurrencyCode(own)) return own;
  client.logger.warn('fastly invoice names no ISO 4217 currency_code: another source stands in', {
    provider: 'fastly',
    account: client.account.id,
    invoice: invoice.invoice_id,
    currency_code: own,
    assumed: fallback,
  });
  return fallback;
}

/** GET /billing/v3/invoices/{invoice_id}; without its own currency, the account setting's. */
export async function invoiceV3(client: FastlyClient, invoiceId: string): Promise<FastlyInvoice> {
  const endpoint: Endpoint = {
    method: 'GET',
    path: `/billing/v3/invoices/${encodeURIComponent(invoiceId)}`,
    label: 'GET /billing/v3/invoices/{invoice_id}',
  };
  const reply = await client.http.send(endpoint);
  if (reply.status === 404) {
    throw client.http.error(endpoint, 'not-found', "no invoice with this ID for the token's customer", 404);
  }
  const invoice = client.http.okBody(endpoint, reply, EomInvoice);
  const start = invoice.billing_start_date;
  if (!start) throw unplaceable(client, endpoint, 'billing_start_date', 'its month is unknown');
  if (invoice.monthly_transaction_amount === undefined)
    throw unplaceable(client, endpoint, 'monthly_transaction_amount', 'its total is unknown');
  const currency = invoiceCurrency(client, invoice, client.account.currency);
  return {
    invoiceId: invoice.invoice_id ?? invoiceId,
    month: utcMonth(start),
    BillingPeriodStart: start,
    BillingPeriodEnd: invoice.billing_end_date
      ? exclusiveBillingEnd(invoice.billing_end_date)
      : nextMonthStart(start),
    BilledCost: Money.of(invoice.monthly_transaction_amount, currency),
    lines: invoice.transaction_line_items.map((item) => lineItem(item, currency)),
  };
}

function unplaceable(client: FastlyClient, endpoint: Endpoint, field: string, consequence: string) {
  return client.http.error(
    endpoint,
    'invalid-response',
    `the invoice has no ${field}, so ${consequence}; check it in the Fastly console`,
  );
}
