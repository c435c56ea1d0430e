/**
 * A period spend read back from JSON, for keeping the last reading of an account between runs.
 * `JSON.stringify(spend)` writes it: Money as { amount, currency } with an exact decimal string,
 * decimals as strings, instants as ISO strings. Reading checks every field, so a damaged or older
 * record is refused rather than half-read.
 */
import * as z from 'zod';
import { decimal, isDecimalText, Money } from '../money/index.ts';
import {
  CHARGE_CATEGORIES,
  CHARGE_FREQUENCIES,
  type MissingPart,
  type PeriodSpend,
  READ_PARTS,
  type SpendLine,
} from './spend.ts';

const decimalText = z.string().refine(isDecimalText, { error: 'expected a decimal such as "12.5"' });
const money = z
  .object({ amount: decimalText, currency: z.string() })
  .transform(({ amount, currency }) => Money.of(amount, currency));
const instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

const line = z.object({
  ServiceName: z.string().optional(),
  ChargeDescription: z.string().optional(),
  ResourceId: z.string().optional(),
  ResourceName: z.string().optional(),
  ResourceType: z.string().optional(),
  RegionName: z.string().optional(),
  ChargePeriodStart: instant.optional(),
  ChargePeriodEnd: instant.optional(),
  ConsumedQuantity: decimalText.transform((text) => decimal(text)).optional(),
  ConsumedUnit: z.string().optional(),
  BilledCost: money.optional(),
  ChargeCategory: z.enum(CHARGE_CATEGORIES).optional(),
  ChargeFrequency: z.enum(CHARGE_FREQUENCIES).optional(),
  Tags: z.record(z.string(), z.string()).optional(),
}) satisfies z.ZodType<SpendLine, unknown>;

const missingPart = z.object({
  part: z.enum(READ_PARTS),
  endpoint: z.string(),
  reason: z.string(),
}) satisfies z.ZodType<MissingPart>;

const spendJson = z.object({
  provider: z.string(),
  accountId: z.string(),
  BillingPeriodStart: instant,
  BillingPeriodEnd: instant,
  asOf: instant,
  BillingCurrency: z.string().optional(),
  BilledCost: money.optional(),
  lines: z.array(line),
  daily: z.array(z.object({ date: z.iso.date(), BilledCost: money })).optional(),
  sources: z.array(z.string()),
  missing: z.array(missingPart).optional(),
});

/** Reads back `JSON.parse(JSON.stringify(spend))`; throws a ZodError naming the field when it does not fit. */
export function periodSpendFromJson(json: unknown): PeriodSpend {
  return spendJson.parse(json) as PeriodSpend;
}
