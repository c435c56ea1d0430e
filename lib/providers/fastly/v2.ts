/**
 * The legacy Billing v2 API (`api: v2`), which Fastly retired in 2025, for accounts still served by it.
 * One call per read; its line items are the whole breakdown (v2 has no usage endpoints).
 */
import type { Endpoint, HttpReply } from '../../http/index.ts';
import { currencyCode, Money } from '../../money/index.ts';
import type { PeriodSpend, SpendReading } from '../../spend/index.ts';
import type { MonthlyTotal } from '../types.ts';
import type { FastlyClient } from './client.ts';
import { cost } from './lines.ts';
import { exclusiveBillingEnd, monthName, monthStart, nextMonthStart, utcMonth } from './months.ts';
import { V2Estimate, V2Invoice } from './schemas.ts';
import type { FastlyInvoice } from './v3.ts';

/** Costs in Billing v2 are USD (BillingTotal's field descriptions). */
const V2_CURRENCY = 'USD';
const V2_RETIRED =
  'Fastly retired the Billing v2 API in 2025 and no longer serves this path; set `api: v3` on this account (a 404 here can also mean a wrong customerId)';

export async function readV2(client: FastlyClient): Promise<SpendReading> {
  const endpoint: Endpoint = {
    method: 'GET',
    path: `${customerPath(client)}/mtd_invoice`,
    label: 'GET /billing/v2/account_customers/{customer_id}/mtd_invoice',
  };
  const generated = await client.whenGenerated(endpoint);
  if (generated.status === 'pending') return client.pending(endpoint, generated);
  expectV2Ok(client, endpoint, generated.reply);
  const estimate = client.http.decode(endpoint, V2Estimate, generated.reply.body);
  const asOf = client.servedAt(generated.reply);
  // Both are nullable in v2; without them the estimate is the current UTC month's.
  const start = estimate.start_time ?? monthStart(asOf);
  const spend: PeriodSpend = {
    provider: 'fastly',
    accountId: client.account.id,
    BillingPeriodStart: start,
    BillingPeriodEnd: estimate.end_time ? exclusiveBillingEnd(estimate.end_time) : nextMonthStart(start),
    asOf,
    BillingCurrency: currencyCode(V2_CURRENCY),
    BilledCost: Money.of(estimate.total.cost, V2_CURRENCY),
    lines: estimate.line_items.map((item) => ({
      ServiceName: item.service_type,
      ChargeDescription: item.description,
      ConsumedQuantity: item.units,
      BilledCost: cost(item.amount, V2_CURRENCY),
    })),
    sources: [endpoint.label],
  };
  return { status: 'ok', spend };
}

/** Newest month first; stops at the first 404 after a found month (the account did not exist yet). */
export async function historyV2(
  client: FastlyClient,
  fromMonth: number,
  toMonth: number,
): Promise<MonthlyTotal[]> {
  const totals: MonthlyTotal[] = [];
  for (let index = toMonth; index >= fromMonth; index--) {
    const month = monthName(index);
    const endpoint: Endpoint = {
      method: 'GET',
      path: `/billing/v2/year/${month.slice(0, 4)}/month/${month.slice(5, 7)}`,
      label: 'GET /billing/v2/year/{year}/month/{month}',
    };
    const reply = await client.http.send(endpoint);
    if (reply.status === 404 && totals.length > 0) break;
    expectV2Ok(client, endpoint, reply);
    const invoice = client.http.decode(endpoint, V2Invoice, reply.body);
    totals.push({ month, BilledCost: Money.of(invoice.total.cost, V2_CURRENCY), closed: true });
  }
  return totals;
}

export async function invoiceV2(client: FastlyClient, invoiceId: string): Promise<FastlyInvoice> {
  const endpoint: Endpoint = {
    method: 'GET',
    path: `${customerPath(client)}/invoices/${encodeURIComponent(invoiceId)}`,
    label: 'GET /billing/v2/account_customers/{customer_id}/invoices/{invoice_id}',
  };
  const reply = await client.http.send(endpoint);
  expectV2Ok(client, endpoint, reply);
  const invoice = client.http.decode(endpoint, V2Invoice, reply.body);
  const start = invoice.start_time;
  if (!start) {
    throw client.http.error(
      endpoint,
      'invalid-response',
      'the invoice has no start_time, so its month is unknown',
    );
  }
  return {
    invoiceId: invoice.invoice_id ?? invoiceId,
    month: utcMonth(start),
    BillingPeriodStart: start,
    BillingPeriodEnd: invoice.end_time ? exclusiveBillingEnd(invoice.end_time) : nextMonthStart(start),
    BilledCost: Money.of(invoice.total.cost, V2_CURRENCY),
    lines: invoice.line_items.map((item) => ({
      ServiceName: item.service_name,
      ChargeDescription: item.description,
      ConsumedQuantity: item.units,
      BilledCost: cost(item.amount, V2_CURRENCY),
    })),
  };
}

function expectV2Ok(client: FastlyClient, endpoint: Endpoint, reply: HttpReply): void {
  if (reply.status === 404) throw client.http.error(endpoint, 'not-found', V2_RETIRED, 404);
  client.http.expectOk(endpoint, reply);
}

function customerPath(client: FastlyClient): string {
  return `/billing/v2/account_customers/${encodeURIComponent(client.account.customerId ?? '')}`;
}
