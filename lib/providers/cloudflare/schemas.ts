/**
 * Response schemas written from Cloudflare's billable-usage and billing-profile contracts
 * (shared/specs/cloudflare: cloudflare/api-schemas openapi fragments and the API reference examples).
 */
import * as z from 'zod';
import { isCurrencyCode, isDecimalText } from '../../money/index.ts';

const dateTime = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

/** billable-usage-api_message / bill-subs-api_messages: `code` is optional in the former. */
const Message = z.object({ code: z.number().int().optional(), message: z.string() });
const messages = z.array(Message).nullable();

/** Every reply carries the envelope; read first to tell success from a reported failure. */
export const Envelope = z.object({
  success: z.boolean(),
  errors: messages,
  messages,
  result: z.unknown(),
});

/** billable-usage-api_api-response-common-failure (example.error-4xx.json). */
export const FailureEnvelope = z.object({
  success: z.literal(false),
  errors: z.array(Message).min(1),
  messages: messages.optional(),
  result: z.null().optional(),
});

const succeeded = <R extends z.ZodType>(result: R) =>
  z.object({ success: z.literal(true), errors: messages, messages, result });

/**
 * billable-usage-api_usage_record: the required fields are the Beta's eleven; the FOCUS columns the
 * later generations added are optional. Costs are JSON numbers in the billing currency.
 */
export const UsageRecord = z.object({
  BillingCurrency: z.string().refine(isCurrencyCode, { error: 'expected an ISO 4217 currency code' }),
  BillingPeriodStart: dateTime,
  ChargePeriodStart: dateTime,
  ChargePeriodEnd: dateTime,
  ServiceName: z.string(),
  ConsumedQuantity: z.number(),
  /** "May be empty when the unit is implicit in the service name." */
  ConsumedUnit: z.string(),
  PricingQuantity: z.number().int(),
  CumulatedPricingQuantity: z.number().int(),
  ContractedCost: z.number(),
  /** Running total for the billing period: never summed. */
  CumulatedContractedCost: z.number(),
  ServiceFamilyName: z.string().optional(),
  SubscriptionId: z.string().nullish(),
  ZoneId: z.string().nullish(),
  ZoneName: z.string().nullish(),
  // Version 1 (/billable-usage) FOCUS columns.
  BilledCost: z.number().optional(),
  ChargeDescription: z.string().nullish(),
  ChargeCategory: z.string().nullish(),
});
export type UsageRecord = z.output<typeof UsageRecord>;

export const UsageResponse = succeeded(z.array(UsageRecord));

/** billable-usage-api_usage_info_response (/billable-usage/info, /paygo-usage-info). */
export const UsageInfoResponse = succeeded(
  z.object({
    covered: z.boolean(),
    subscriptions: z.array(
      z.object({
        id: z.string(),
        start_timestamp: dateTime,
        billing_cycle_anchor_timestamp: dateTime,
        /** "Omitted for active subscriptions; present only when the subscription has been cancelled." */
        end_timestamp: dateTime.optional(),
      }),
    ),
  }),
);
export type UsageInfo = z.output<typeof UsageInfoResponse>['result'];

/**
 * GET /accounts/{account_id}/billing/profile (deprecated; `result` is untyped in the spec, these are
 * the two ProfileGetResponse fields read). The body also holds contact and card details: decode it
 * as sensitive so no value is echoed.
 */
export const BillingProfileResponse = succeeded(
  z.object({
    /** Exact decimal as a string, e.g. "0". */
    balance: z.string().refine(isDecimalText, { error: 'expected a decimal string' }).optional(),
    next_bill_date: dateTime.nullish(),
  }),
);
export type BillingProfile = z.output<typeof BillingProfileResponse>['result'];
