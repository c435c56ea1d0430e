/**
 * Response schemas written from Fastly's generated SDK models (../shared/specs/official/fastly: docs/
 * and model/, the contract; curated notes in ../shared/specs/fastly). Field names are snake_case.
 *
 * The generator marks every property optional, so these are tolerant readers: only the headline
 * figure is required (the month-to-date total, v2's total cost), and a body without it fails loudly
 * instead of reading as zero spend. Every other field may be absent, null or of another type and then
 * reads as undefined (numbers may come as decimal text); list elements that are not objects are
 * dropped; fields outside the models (e.g. `payment_status`, seen on live invoices) are ignored.
 * Fields the client does not read are not declared.
 */
import * as z from 'zod';
import { stated } from '../../http/tolerant.ts';
import { type Decimal, decimal, isDecimalText } from '../../money/index.ts';

/** Each element that reads is kept; one that does not (null, a string where an object belongs) is dropped. */
function elementsOf<T extends z.ZodType>(item: T) {
  return z.array(z.unknown()).transform((items) =>
    items.flatMap((element) => {
      const read = item.safeParse(element);
      return read.success ? [read.data as z.output<T>] : [];
    }),
  );
}

/** An optional list: absent, null or not a list, it reads as empty. */
function listOf<T extends z.ZodType>(item: T) {
  return elementsOf(item).catch([]);
}

/** ISO 8601 date-time with a zone ("2026-07-01T00:00:00Z"); a zoneless one would be read as local time. */
const dateTime = z.iso
  .datetime({ offset: true, error: 'expected an ISO 8601 date-time with a zone' })
  .transform((text) => new Date(text));

/** The month-to-date total is a decimal in a JSON string (MtdInvoiceResponse), unlike closed invoices. */
const decimalText = z
  .string()
  .refine(isDecimalText, { error: 'expected a decimal amount as text, e.g. "1234.56"' });

/** A number the models type as Number, also read from decimal text; kept exact. */
const amount = z.union([z.number(), decimalText]).transform((value): Decimal => decimal(value));

const text = stated(z.string());
const when = stated(dateTime);
const figure = stated(amount);
/** "Numeric string" identifiers (invoice_id) also read from a JSON number. */
const identifier = stated(z.union([z.string(), z.number().transform(String)]));

/** Metadata: cursor paging of /billing/v3/invoices and /billing/v3/service-usage-metrics. */
const Metadata = z.object({
  /** Empty or absent on the last page. */
  next_cursor: text,
});

/** Mtdlineitems (month-to-date) and Invoicelineitems (closed invoices, plus credit_coupon_code). */
const LineItem = z.object({
  description: text,
  amount: figure,
  units: figure,
  product_name: text,
  region: text,
  usage_type: text,
});
export type LineItem = z.output<typeof LineItem>;

/** GET /billing/v3/invoices/month-to-date (200). No currency_code in this model. */
export const MtdInvoice = z.object({
  billing_start_date: when,
  billing_end_date: when,
  /** The headline figure: required, as the model's decimal text. */
  monthly_transaction_amount: decimalText,
  transaction_line_items: listOf(LineItem),
});

/** Invoice (list element) and EomInvoiceResponse (GET /billing/v3/invoices/{invoice_id}): same fields. */
export const EomInvoice = z.object({
  /** "Numeric string" per the model; live replies show "INV-375119", so any string. */
  invoice_id: identifier,
  billing_start_date: when,
  billing_end_date: when,
  /** Checked against ISO 4217 where it is used, so an unknown code falls back instead of failing. */
  currency_code: text,
  /** A JSON number here, a string in the month-to-date model. */
  monthly_transaction_amount: figure,
  transaction_line_items: listOf(LineItem),
});
export type EomInvoice = z.output<typeof EomInvoice>;

/** ListEomInvoicesResponse: GET /billing/v3/invoices, newest first. */
export const InvoiceList = z.object({
  data: listOf(EomInvoice),
  meta: stated(Metadata),
});

const UsageMetric = z.object({
  /** "2026-07" */
  month: text,
  /** The usage type's identifier, e.g. "North America Requests" (the docs' example for unit). */
  usage_type: text,
  /** Its name as on an invoice. */
  name: text,
  region: text,
  unit: text,
  quantity: figure,
  product_id: text,
});
export type UsageMetric = z.output<typeof UsageMetric>;

/**
 * GET /billing/v3/usage-metrics. Every SDK declares the 200 body as ONE Usagemetric, yet the models
 * also hold the list wrapper Usagemetrics {data: Usagemetric[]}, and a range of months can only be
 * answered with a list: both are read. A lone Usagemetric counts only when it names its usage type
 * (usage_type or name) and carries a quantity: all its fields are optional, so without that test any
 * changed body would match it and read as no usage.
 */
export const UsageMetrics = z.union(
  [
    z.object({ data: elementsOf(UsageMetric) }),
    UsageMetric.refine((metric) => (metric.usage_type ?? metric.name) !== undefined)
      .refine((metric) => metric.quantity !== undefined)
      .transform((metric) => ({ data: [metric] })),
  ],
  {
    error:
      'expected {"data": [Usagemetric, ...]} or one Usagemetric naming its usage_type (or name) with a quantity',
  },
);

const ServiceUsageMetric = z.object({
  service_id: text,
  service_name: text,
  /** In the unit of the enclosing data object. */
  usage_units: figure,
});

/** GET /billing/v3/service-usage-metrics: `data` is an OBJECT (one usage type), not an array. */
export const ServiceUsageMetrics = z.object({
  data: stated(
    z.object({
      usage_type: text,
      unit: text,
      details: listOf(ServiceUsageMetric),
      meta: stated(Metadata),
    }),
  ),
});

// ---- Billing v2 (removed from the SDKs in 2025; only for accounts still served by it) ----

const v2Common = {
  start_time: when,
  end_time: when,
  /** BillingTotal.cost, "the final amount to be paid" (in USD per the model): the headline figure. */
  total: z.object({ cost: amount }),
};

/** BillingEstimateResponse: GET /billing/v2/account_customers/{customer_id}/mtd_invoice. */
export const V2Estimate = z.object({
  ...v2Common,
  line_items: listOf(
    z.object({
      description: text,
      units: figure,
      service_type: text,
      amount: figure,
    }),
  ),
});

/** BillingResponse: GET /billing/v2/year/{year}/month/{month} and .../invoices/{invoice_id}. */
export const V2Invoice = z.object({
  ...v2Common,
  invoice_id: identifier,
  line_items: listOf(
    z.object({
      amount: figure,
      description: text,
      service_name: text,
      units: figure,
    }),
  ),
});
