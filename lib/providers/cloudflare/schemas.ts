/**
 * Response schemas held against Cloudflare's own contract: the npm `cloudflare@7.3.0` SDK types
 * (shared/specs/official/cloudflare/billing/usage.d.ts, profiles/profiles.d.ts), which unwrap
 * `result` from each reply. Tolerant reader: a record must carry what the figure needs (its cost and
 * ChargePeriodStart); every other field may be absent, null, oddly typed or joined by new ones, and
 * each such field says its fallback.
 */
import * as z from 'zod';
import { stated } from '../../http/tolerant.ts';
import { isCurrencyCode, isDecimalText } from '../../money/index.ts';

const DAY_MS = 86_400_000;

const dateTime = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

/** Text that is absent when empty ("ConsumedUnit may be empty when the unit is implicit"). */
const text = z.string().min(1);

/**
 * An ISO 4217 code, or nothing (absent or null: the client falls back on the others' or the
 * account's currency). A code that is not one breaks the contract: amounts in an unknown currency
 * are never read as another.
 */
const currency = z
  .string()
  .refine(isCurrencyCode, { error: 'expected an ISO 4217 currency code' })
  .nullish()
  .transform((code) => code ?? undefined);

/** An error or notice of the envelope; unreadable ones are kept as empty so the others still show. */
const Notice = z
  .object({ code: stated(z.number()), message: stated(z.string()) })
  .catch({ code: undefined, message: undefined });
export type Notice = z.output<typeof Notice>;
/** errors/messages: arrays in the docs' examples, "required,nullable" in the Go SDK; absent is read as none. */
const notices = stated(z.array(Notice).nullable());

/**
 * Every reply's envelope. The SDK only unwraps `result` (it never reads `success`), so only an
 * explicit `"success": false` is a reported failure; absent, success is told by the HTTP status.
 */
export const Envelope = z.object({
  success: stated(z.boolean()),
  errors: notices,
  messages: notices,
});

/** billable-usage-api_api-response-common-failure (example.error-4xx.json): a non-2xx reply's body. */
export const FailureEnvelope = z.object({ errors: z.array(Notice).min(1) });

/** `{ result }` decoded with `schema`, so a problem is named by its path from the body ("result.0.…"). */
const resultOf = <R extends z.ZodType>(result: R) => z.object({ result });

/**
 * One charge period's usage, whichever generation served it: what the reading needs, in FOCUS names.
 * `cost` is undefined when the record carries none (the FOCUS v2 endpoint, until Cloudflare
 * populates its costs).
 */
export interface UsageRow {
  ChargePeriodStart: Date;
  ChargePeriodEnd: Date;
  BillingCurrency: string | undefined;
  cost: number | undefined;
  ServiceName: string;
  ChargeDescription: string | undefined;
  ZoneId: string | undefined;
  ZoneName: string | undefined;
  ConsumedQuantity: number | undefined;
  ConsumedUnit: string | undefined;
}

/** The line name of a record that names no service, family, metric or description. */
export const UNKNOWN_SERVICE = 'unknown service';

/** Fields both record shapes share under the same names. */
const commonFields = {
  /** Needed: it places the cost in the billing period. */
  ChargePeriodStart: dateTime,
  /** Records are daily ("one billable metric for one account on one day"): absent, start + 1 day. */
  ChargePeriodEnd: stated(dateTime),
  BillingCurrency: currency,
  ChargeDescription: stated(text),
  /** Absent: the line has no quantity. */
  ConsumedQuantity: stated(z.number()),
  ConsumedUnit: stated(text),
};

function row(
  r: z.output<z.ZodObject<typeof commonFields>>,
  named: Pick<UsageRow, 'cost' | 'ServiceName' | 'ChargeDescription' | 'ZoneId' | 'ZoneName'>,
): UsageRow {
  return {
    ChargePeriodStart: r.ChargePeriodStart,
    ChargePeriodEnd: r.ChargePeriodEnd ?? new Date(r.ChargePeriodStart.getTime() + DAY_MS),
    BillingCurrency: r.BillingCurrency,
    ConsumedQuantity: r.ConsumedQuantity,
    ConsumedUnit: r.ConsumedUnit,
    ...named,
  };
}

/**
 * A record of the PayGo generations: UsageGetAccountUsageV1Response (`/billable-usage`, also what the
 * deprecated `paygo()` calls), the 2026-05 `/paygo-usage` and the 2026-03 Beta. Only ContractedCost
 * ("the cost for this charge period in the billing currency", a JSON number, equal to BilledCost for
 * PayGo) and ChargePeriodStart are required here; the SDK requires more, none of which the figure reads
 * (CumulatedContractedCost is a running total and is never summed).
 */
export const UsageRecordV1 = z
  .object({
    ...commonFields,
    ContractedCost: z.number(),
    /** Absent: the family, then the charge description, then "unknown service". */
    ServiceName: stated(text),
    ServiceFamilyName: stated(text),
    ZoneId: stated(text),
    ZoneName: stated(text),
  })
  .transform((r) =>
    row(r, {
      cost: r.ContractedCost,
      ServiceName: r.ServiceName ?? r.ServiceFamilyName ?? r.ChargeDescription ?? UNKNOWN_SERVICE,
      ChargeDescription: r.ChargeDescription,
      ZoneId: r.ZoneId,
      ZoneName: r.ZoneName,
    }),
  );

/**
 * A record of FOCUS v2 (`/billable/usage`, UsageGetAccountUsageV2Response). "Cost and pricing fields
 * are not yet populated and will be absent from responses": BilledCost (the FOCUS basis for
 * invoicing), else ContractedCost, is the cost when present; absent or null, the record has none. A
 * cost that is present but not a number breaks the contract.
 */
export const UsageRecordV2 = z
  .object({
    ...commonFields,
    BilledCost: z.number().nullish(),
    ContractedCost: z.number().nullish(),
    /** Cloudflare's replacement of FOCUS ServiceName; absent: the metric, the description, "unknown service". */
    x_ProductFamilyName: stated(text),
    x_BillableMetricName: stated(text),
    x_ZoneId: stated(text),
    x_ZoneName: stated(text),
  })
  .transform((r) =>
    row(r, {
      cost: r.BilledCost ?? r.ContractedCost ?? undefined,
      ServiceName: r.x_ProductFamilyName ?? r.x_BillableMetricName ?? r.ChargeDescription ?? UNKNOWN_SERVICE,
      ChargeDescription: r.ChargeDescription ?? r.x_BillableMetricName,
      ZoneId: r.x_ZoneId,
      ZoneName: r.x_ZoneName,
    }),
  );

/**
 * The records of a usage reply. `result: null` reads as no records: the Go SDK declares the list
 * `required` but a Go server encodes an empty (nil) slice as null, and nothing gives null another
 * meaning. Absent, the reply breaks the contract.
 */
const usageRecords = (record: typeof UsageRecordV1 | typeof UsageRecordV2) =>
  resultOf(
    z
      .array(record)
      .nullable()
      .transform((records): UsageRow[] => records ?? []),
  );
export type UsageResponse = ReturnType<typeof usageRecords>;
export const UsageResponseV1 = usageRecords(UsageRecordV1);
export const UsageResponseV2 = usageRecords(UsageRecordV2);

/**
 * A subscription of the usage info. One without a readable billing_cycle_anchor_timestamp gives no
 * anchor and is skipped; end_timestamp is "omitted for active subscriptions".
 */
const Subscription = z
  .object({
    billing_cycle_anchor_timestamp: dateTime,
    end_timestamp: stated(dateTime),
  })
  .nullable()
  .catch(null);

/**
 * UsageGetAccountUsageInfoV1Response (`/billable-usage/info`, `/paygo-usage-info`): a side call for
 * the billing cycle's anchor. `covered` absent reads as unknown (never as "not covered");
 * `subscriptions` absent reads as none (the cycle comes from elsewhere).
 */
export const UsageInfoResponse = resultOf(
  z.object({
    covered: stated(z.boolean()),
    subscriptions: stated(z.array(Subscription)).transform((subs) => (subs ?? []).filter((s) => s !== null)),
  }),
);
export type UsageInfo = z.output<typeof UsageInfoResponse>['result'];

/**
 * GET /accounts/{account_id}/billing/profile (ProfileGetResponse: every field optional). Only
 * next_bill_date is used (the cycle's end, or its day when nothing else names it) and balance is
 * logged; an unreadable value of either reads as absent. The body also holds contact and card
 * details: it is decoded as sensitive so no value is echoed. `result: null` reads as no profile.
 */
export const BillingProfileResponse = resultOf(
  z
    .object({
      /** Exact decimal as a string, e.g. "0". */
      balance: stated(z.string().refine(isDecimalText)),
      next_bill_date: stated(dateTime),
    })
    .nullable(),
);
export type BillingProfile = NonNullable<z.output<typeof BillingProfileResponse>['result']>;
