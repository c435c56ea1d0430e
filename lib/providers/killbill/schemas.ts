/**
 * Schemas written from Kill Bill's Swagger (kbswagger 0.24.10) and its JSON DTOs; the 0.22.x contract
 * is accepted as well (see /work/shared/specs/killbill). Of the bodies read only to shape a usage
 * record (Subscription, Account, NodeInfo) they take just the field they need; of the upcoming
 * invoice (InvoiceDryRun → Invoice) only the amount and currency are required.
 */
import * as z from 'zod';
import { stated } from '../../http/tolerant.ts';
import { isCurrencyCode } from '../../money/index.ts';

const RolledUpUnit = z.object({
  // Kept strict: a quantity without a unit type matches no budget, and a catalog never names a unit
  // "" — such a body is not the usage it claims to be, so it fails the read rather than drop usage.
  unitType: z.string().min(1),
  // int64 up to 0.22, a decimal number from 0.24: both arrive as JSON numbers.
  amount: z.number(),
});

/**
 * GET /1.0/kb/usages/{subscriptionId}[/{unitType}]: usage summed per unit type over [startDate,
 * endDate). Only the units are read: the subscription and the range are the ones asked for, so the
 * body's `subscriptionId`, `startDate` and `endDate` (a date on 0.22, a date-time on 0.24, null when
 * unset) are ignored, whatever they hold.
 */
export const RolledUpUsage = z.object({ rolledUpUnits: z.array(RolledUpUnit) });

/** GET /1.0/kb/subscriptions/{subscriptionId}: the Kill Bill account the subscription belongs to. */
export const SubscriptionAccount = z.object({ accountId: z.guid() });

/**
 * GET /1.0/kb/accounts/{accountId}: the account's time zone (an IANA or Joda zone id), if it states one;
 * the reader checks it and falls back to UTC.
 */
export const AccountTimeZone = z.object({ timeZone: stated(z.string()) });

/** GET /1.0/kb/nodesInfo: each node's Kill Bill version ("0.24.10"), where it says. */
export const NodesInfo = z.array(z.object({ kbVersion: stated(z.string()) }));

/** The error body of Kill Bill's exception mappers (BillingExceptionJson). `code` is its ErrorCode. */
export const BillingException = z.object({
  className: z.string(),
  code: z.number().int().nullish(),
  message: z.string().nullish(),
  causeClassName: z.string().nullish(),
  causeMessage: z.string().nullish(),
  stackTrace: z.array(z.unknown()).nullish(),
});
export type BillingException = z.output<typeof BillingException>;

/** ErrorCode.USAGE_RECORD_TRACKING_ID_ALREADY_EXISTS: "A usage record with tracking ID %s already exists". */
export const TRACKING_ID_ALREADY_EXISTS = 50_000;

/** POST /1.0/kb/usages body. */
export interface SubscriptionUsageRecord {
  subscriptionId: string;
  trackingId?: string;
  unitUsageRecords: {
    unitType: string;
    usageRecords: { recordDate: string; amount: number }[];
  }[];
}

/** An ISO 4217 code Kill Bill states, or nothing (kbswagger's currency enum also holds BTC and retired codes). */
const currency = z.string().refine(isCurrencyCode);

/**
 * kbswagger's Account (GET /1.0/kb/accounts/{accountId}, GET /1.0/kb/accounts?externalKey=, each
 * element of GET /1.0/kb/accounts/pagination): the dry run needs its `accountId`; the name and external
 * key name the customer in alerts, the currency prices "nothing to invoice" at zero. Only the ID is
 * required.
 */
export const CustomerAccount = z.object({
  accountId: z.guid(),
  externalKey: stated(z.string().min(1)),
  name: stated(z.string().min(1)),
  currency: stated(currency),
});
export type CustomerAccount = z.output<typeof CustomerAccount>;

export const CustomerAccounts = z.array(CustomerAccount);

/**
 * GET /1.0/kb/accounts/{accountId}/customFields: kbswagger requires `name` and `value`; one without
 * either (or not an object at all) is no field, and the others are still read.
 */
export const CustomFields = z.array(
  z
    .object({ name: stated(z.string()), value: stated(z.string()) })
    .catch({ name: undefined, value: undefined }),
);

/**
 * kbswagger's InvoiceItem, as a line of the reading: none of its fields is needed for the figure (the
 * invoice's amount is), so each is read where it fits and left out otherwise; an item without an
 * amount is not a line, and the invoice's amount still counts it.
 */
const text = stated(z.string());
const number = stated(z.number());
const InvoiceItem = z.object({
  itemType: text,
  amount: number,
  subscriptionId: text,
  productName: text,
  planName: text,
  phaseName: text,
  usageName: text,
  description: text,
  startDate: text,
  endDate: text,
  quantity: number,
  rate: number,
});
export type InvoiceItem = z.output<typeof InvoiceItem>;

/**
 * POST /1.0/kb/invoices/dryRun's 200 body, kbswagger's Invoice: the figure is its `amount` (the
 * charges: credits are applied to the balance, not the amount) in its `currency`, both required.
 * `items` are the breakdown, read item by item; `targetDate` says when Kill Bill would invoice.
 */
export const DryRunInvoice = z.object({
  amount: z.number(),
  currency,
  targetDate: stated(z.string()),
  items: stated(z.array(InvoiceItem.catch({}))),
});

/**
 * A Subscription of a Bundle, as a guardrail reads it: its ID is required (a subscription that cannot
 * be named cannot be blocked, and must not be skipped unseen); its product and state only describe it.
 */
const BundleSubscription = z.object({
  subscriptionId: z.guid(),
  productName: stated(z.string().min(1)),
  state: stated(z.string().min(1)),
});

/** GET /1.0/kb/accounts/{accountId}/bundles: each bundle's subscriptions (a bundle may list none). */
export const AccountBundles = z.array(z.object({ subscriptions: z.array(BundleSubscription).nullish() }));

/** An unset flag is not a block, as Kill Bill reads it. */
const flag = stated(z.boolean()).transform((value) => value ?? false);

/**
 * A BlockingState of GET /1.0/kb/accounts/{accountId}/block: a state names what it blocks, for which
 * service, under which name; one without them is nobody's and is passed over.
 */
const BlockingState = z.object({
  blockedId: z.guid(),
  service: z.string(),
  stateName: z.string(),
  isBlockChange: flag,
  isBlockEntitlement: flag,
  isBlockBilling: flag,
  effectiveDate: stated(z.string()),
});
export type BlockingState = z.output<typeof BlockingState>;

export const BlockingStates = z
  .array(BlockingState.nullable().catch(null))
  .transform((states) => states.filter((state): state is BlockingState => state !== null));
