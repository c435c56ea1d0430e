/**
 * Response schemas written from Fastly's generated SDK model docs (../shared/specs/fastly: sdk-docs-v3,
 * sdk-docs-v2-removed, fastly-billing.DERIVED-schema.yaml). Field names are snake_case on the wire.
 *
 * The SDK generator marks every property optional. We require the few we compute from (amounts,
 * billing dates, currency), so a reply without them fails loudly instead of reading as zero spend;
 * everything else stays optional. Unknown fields (e.g. `payment_status`, seen on live invoices but
 * not in the model) are ignored.
 */
import * as z from 'zod';
import { isCurrencyCode, isDecimalText } from '../../money/index.ts';

/** ISO 8601 date-time with a zone ("2026-07-01T00:00:00Z"); a zoneless one would be read as local time. */
const dateTime = z.iso
  .datetime({ offset: true, error: 'expected an ISO 8601 date-time with a zone' })
  .transform((text) => new Date(text));

/** The month-to-date total is a decimal in a JSON string (MtdInvoiceResponse), unlike closed invoices. */
const decimalText = z
  .string()
  .refine(isDecimalText, { error: 'expected a decimal amount as text, e.g. "1234.56"' });

const currency = z.string().refine(isCurrencyCode, { error: 'expected an ISO 4217 currency code' });

/** Metadata: cursor paging of /billing/v3/invoices and /billing/v3/service-usage-metrics. */
const Metadata = z.object({
  /** Empty or absent on the last page. */
  next_cursor: z.string().optional(),
  limit: z.number().optional(),
  sort: z.string().optional(),
  total: z.number().optional(),
});

/** Mtdlineitems (month-to-date) and Invoicelineitems (closed invoices, plus credit_coupon_code). */
export const LineItem = z.object({
  description: z.string().optional(),
  amount: z.number().optional(),
  credit_coupon_code: z.string().optional(),
  rate: z.number().optional(),
  units: z.number().optional(),
  product_name: z.string().optional(),
  product_group: z.string().optional(),
  product_line: z.string().optional(),
  region: z.string().optional(),
  usage_type: z.string().optional(),
});

/** GET /billing/v3/invoices/month-to-date (200). No currency_code in this model. */
export const MtdInvoice = z.object({
  customer_id: z.string().optional(),
  invoice_id: z.string().optional(),
  billing_start_date: dateTime,
  billing_end_date: dateTime,
  monthly_transaction_amount: decimalText,
  transaction_line_items: z.array(LineItem).default([]),
});

/** Invoice (list element) and EomInvoiceResponse (GET /billing/v3/invoices/{invoice_id}): same fields. */
export const EomInvoice = z.object({
  customer_id: z.string().optional(),
  /** "Numeric string" per the model; live replies show "INV-375119", so any string. */
  invoice_id: z.string(),
  invoice_posted_on: dateTime.optional(),
  billing_start_date: dateTime,
  billing_end_date: dateTime,
  statement_number: z.string().optional(),
  currency_code: currency,
  /** A JSON number here, a string in the month-to-date model. */
  monthly_transaction_amount: z.number(),
  transaction_line_items: z.array(LineItem).default([]),
});

/** ListEomInvoicesResponse: GET /billing/v3/invoices, newest first. */
export const InvoiceList = z.object({
  data: z.array(EomInvoice).default([]),
  meta: Metadata.optional(),
});

const UsageMetric = z.object({
  /** "2026-07" */
  month: z.string().optional(),
  usage_type: z.string().optional(),
  name: z.string().optional(),
  region: z.string().optional(),
  unit: z.string().optional(),
  quantity: z.number().optional(),
  raw_quantity: z.number().optional(),
  product_id: z.string().optional(),
  last_updated_at: z.string().optional(),
});

/**
 * GET /billing/v3/usage-metrics. The SDKs declare the 200 body as a single Usagemetric, yet the
 * models also hold the list wrapper Usagemetrics {data: Usagemetric[]}, and a range of months can only
 * be answered with a list. We accept the wrapper only: a lone Usagemetric (all fields optional) would
 * match any object and turn a changed body into silently missing usage.
 */
export const UsageMetrics = z.object({ data: z.array(UsageMetric) });

const ServiceUsageMetric = z.object({
  customer_id: z.string().optional(),
  service_id: z.string().optional(),
  service_name: z.string().optional(),
  /** In the unit of the enclosing data object. */
  usage_units: z.number().optional(),
});

/** GET /billing/v3/service-usage-metrics: `data` is an OBJECT (one usage type), not an array. */
export const ServiceUsageMetrics = z.object({
  data: z.object({
    customer_id: z.string().optional(),
    start_time: dateTime.optional(),
    end_time: dateTime.optional(),
    usage_type: z.string().optional(),
    unit: z.string().optional(),
    details: z.array(ServiceUsageMetric).default([]),
    meta: Metadata.optional(),
  }),
});

// ---- Billing v2 (removed from the SDKs in 2025; only for accounts still served by it) ----

const BillingStatus = z.object({
  status: z.enum(['Pending', 'Outstanding', 'Paid', 'MTD']).optional(),
  sent_at: dateTime.nullish(),
});

/** BillingTotal: every cost is in USD per the model's descriptions. */
const BillingTotal = z.object({
  bandwidth: z.number().optional(),
  bandwidth_cost: z.number().optional(),
  bandwidth_units: z.string().nullish(),
  /** "The final amount to be paid." */
  cost: z.number(),
  cost_before_discount: z.number().optional(),
  discount: z.number().optional(),
  extras_cost: z.number().optional(),
  incurred_cost: z.number().optional(),
  overage: z.number().optional(),
  plan_code: z.string().optional(),
  plan_minimum: z.number().optional(),
  plan_name: z.string().optional(),
  requests: z.number().optional(),
  requests_cost: z.number().optional(),
  terms: z.string().optional(),
});

const v2Common = {
  start_time: dateTime.nullish(),
  end_time: dateTime.nullish(),
  customer_id: z.string().optional(),
  vendor_state: z.string().optional(),
  status: BillingStatus.optional(),
  total: BillingTotal,
};

/** BillingEstimateResponse: GET /billing/v2/account_customers/{customer_id}/mtd_invoice. */
export const V2Estimate = z.object({
  ...v2Common,
  invoice_id: z.string().optional(),
  line_items: z
    .array(
      z.object({
        description: z.string().optional(),
        units: z.number().optional(),
        per_unit_cost: z.number().optional(),
        service_type: z.string().optional(),
        amount: z.number().optional(),
        client_service_id: z.string().optional(),
      }),
    )
    .default([]),
});

/** BillingResponse: GET /billing/v2/year/{year}/month/{month} and .../invoices/{invoice_id}. */
export const V2Invoice = z.object({
  ...v2Common,
  invoice_id: z.number().optional(),
  line_items: z
    .array(
      z.object({
        amount: z.number().nullish(),
        description: z.string().nullish(),
        service_name: z.string().nullish(),
        plan_name: z.string().nullish(),
        units: z.number().nullish(),
        usage_type_cd: z.string().nullish(),
      }),
    )
    .default([]),
});
