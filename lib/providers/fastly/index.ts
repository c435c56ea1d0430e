/**
 * Fastly billing: the month-to-date invoice (Billing v3) as the headline, with closed invoices for
 * its currency and history, usage metrics for usage budgets and per-service usage for breakdowns as
 * side calls (v3.ts, usage.ts). Accounts still on the retired Billing v2 API can set `api: v2`
 * (v2.ts). Contract: ../shared/specs/official/fastly (generated SDK docs and models; Fastly publishes
 * no raw OpenAPI), with curated notes in ../shared/specs/fastly.
 */
import type { SpendLine } from '../../spend/index.ts';
import type { ProviderModule, SpendSource } from '../types.ts';
import { fastlyAccount } from './account.ts';
import { FastlySource } from './source.ts';
import type { FastlyInvoice } from './v3.ts';

export { FASTLY_BASE_URL, fastlyRateLimitDelayMs } from './client.ts';
export { exclusiveBillingEnd, splitMonthRange } from './months.ts';
export type { FastlyInvoice } from './v3.ts';

export const fastly: ProviderModule<typeof fastlyAccount> = {
  name: 'fastly',
  scopes: {
    services: 'product names, e.g. "CDN"',
    items: 'line item descriptions, e.g. "North America Bandwidth"',
    resources: 'service IDs (usage budgets)',
  },
  account: fastlyAccount,
  // Fastly bills calendar months in UTC: its billing dates are midnight UTC.
  defaultTimeZone: () => 'UTC',
  connect: (acct, context) => new FastlySource(acct, context),
};

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
