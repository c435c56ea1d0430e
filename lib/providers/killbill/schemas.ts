/**
 * Schemas written from Kill Bill's Swagger (kbswagger 0.24.10) and its JSON DTOs; the 0.22.x contract
 * is accepted as well (see /work/shared/specs/killbill). Of the bodies read only to shape a usage
 * record (Subscription, Account, NodeInfo) they take just the field they need.
 */
import * as z from 'zod';

// 0.22 declares `format: date` ("2026-11-01"), 0.24 `format: date-time` ("2026-11-01T00:00:00.000Z").
const dateOrDateTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'expected a date (Kill Bill 0.22) or an ISO date-time (0.24)',
});

const RolledUpUnit = z.object({
  unitType: z.string().min(1),
  // int64 up to 0.22, a decimal number from 0.24: both arrive as JSON numbers.
  amount: z.number(),
});

/** GET /1.0/kb/usages/{subscriptionId}[/{unitType}]: usage summed per unit type over [startDate, endDate). */
export const RolledUpUsage = z.object({
  subscriptionId: z.guid(),
  startDate: dateOrDateTime,
  endDate: dateOrDateTime,
  rolledUpUnits: z.array(RolledUpUnit),
});

/** GET /1.0/kb/subscriptions/{subscriptionId}: the Kill Bill account the subscription belongs to. */
export const SubscriptionAccount = z.object({ accountId: z.guid() });

/**
 * GET /1.0/kb/accounts/{accountId}: the account's time zone (an IANA or Joda zone id), if it states one;
 * the reader checks it and falls back to UTC.
 */
export const AccountTimeZone = z.object({ timeZone: z.string().nullish().catch(undefined) });

/** GET /1.0/kb/nodesInfo: each node's Kill Bill version ("0.24.10"), where it says. */
export const NodesInfo = z.array(z.object({ kbVersion: z.string().nullish().catch(undefined) }));

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
