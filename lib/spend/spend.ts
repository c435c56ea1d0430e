import type { CurrencyCode, Decimal, Money } from '../money/index.ts';

/**
 * Provider-neutral view of what an account has spent in one billing period. Field names follow the
 * FinOps FOCUS specification where one fits (BilledCost, ChargePeriodStart, ServiceName, ...), so a
 * FinOps user recognises them whichever provider the figure came from.
 */
export interface PeriodSpend {
  provider: string;
  accountId: string;
  /** Start of the billing period, inclusive. */
  BillingPeriodStart: Date;
  /** End of the billing period, exclusive. */
  BillingPeriodEnd: Date;
  /** When the provider last computed the figure (its freshness), not when we fetched it. */
  asOf: Date;
  BillingCurrency?: CurrencyCode;
  /** Cost to date in the period. Absent for usage-only sources (e.g. Kill Bill usage). */
  BilledCost?: Money;
  /** Breakdown of the cost and/or usage. Need not sum to BilledCost (taxes, credits, rounding). */
  lines: SpendLine[];
  /** Cost per local day of the period, oldest first, when the provider publishes a daily series. */
  daily?: DailyCost[];
  /** Which endpoints served this spend, e.g. ["GET /bills/latest"]. */
  sources: string[];
  /**
   * Parts a side call was to bring and did not: the headline figure was read without them (a partial
   * reading). Absent or empty when the reading is whole.
   */
  missing?: MissingPart[];
}

/**
 * What a reading may lack when a side call fails: its breakdown lines, usage quantities, daily series
 * or per-resource days, the provider's own statement of currency or billing period (then a stated
 * fallback stands in), or the charges of some of its resources (a Kill Bill customer whose upcoming
 * invoice could not be priced: the others are read, the account's total is not whole).
 */
export const READ_PARTS = [
  'breakdown',
  'usage',
  'daily',
  'resourceDays',
  'currency',
  'billingPeriod',
  'resources',
] as const;
export type ReadPart = (typeof READ_PARTS)[number];

export interface MissingPart {
  part: ReadPart;
  /** The side call that failed, as a path template: "GET /bills/summaries/bill_items". */
  endpoint: string;
  /** Why, for a person: the status and what the provider said (never a body or a credential). */
  reason: string;
}

/** FOCUS ChargeCategory: what kind of charge a line is. */
export const CHARGE_CATEGORIES = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'] as const;
/**
 * FOCUS ChargeFrequency: a "Usage-Based" charge grows with use during the period; a "Recurring" or
 * "One-Time" one is fixed once charged (forecasts project only the first).
 */
export const CHARGE_FREQUENCIES = ['One-Time', 'Recurring', 'Usage-Based'] as const;

/** The ResourceType of a line charged to one of the provider's customers (a Kill Bill account of its tenant). */
export const CUSTOMER_RESOURCE = 'customer';

export interface SpendLine {
  ServiceName?: string;
  /** The bill item, e.g. Soracom "Data usage fee", Fastly "Asia Requests". */
  ChargeDescription?: string;
  /** The resource charged: a SIM's IMSI, a Fastly service ID, a zone... */
  ResourceId?: string;
  ResourceName?: string;
  /** FOCUS ResourceType: what kind of thing ResourceId names, e.g. CUSTOMER_RESOURCE. */
  ResourceType?: string;
  RegionName?: string;
  ChargePeriodStart?: Date;
  ChargePeriodEnd?: Date;
  ConsumedQuantity?: Decimal;
  ConsumedUnit?: string;
  BilledCost?: Money;
  ChargeCategory?: (typeof CHARGE_CATEGORIES)[number];
  ChargeFrequency?: (typeof CHARGE_FREQUENCIES)[number];
  Tags?: Record<string, string>;
}

export interface DailyCost {
  /** Local date "2026-11-23" in the period's time zone. */
  date: string;
  BilledCost: Money;
}

/** What a provider answered for one account: a period spend, or "not ready yet" (never mistaken for zero). */
export type SpendReading =
  | { status: 'ok'; spend: PeriodSpend }
  | { status: 'pending'; provider: string; accountId: string; endpoint: string; reason: string };
