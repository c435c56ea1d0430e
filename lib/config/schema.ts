/**
 * The budget config, as one zod schema: parsed from YAML at runtime and exported as JSON Schema
 * (schema/spendwatch.config.schema.json) for editor completion, so the two can never disagree.
 */
import * as z from 'zod';
import { DEFAULT_GUARDRAILS } from '../actions/spec.ts';
import { credentialsMayGoTo, INSECURE_URL_FIX } from '../http/secure-origin.ts';
import { decimal, isCurrencyCode, isDecimalText } from '../money/index.ts';
import { PROVIDERS, type ProviderName } from '../providers/registry.ts';
import { isTimeZone } from '../time/zoned.ts';
import { strictObject } from './strict.ts';

const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const slug = (what: string) =>
  z
    .string()
    .regex(
      SLUG,
      `expected a ${what} of letters, digits, ".", "_" or "-" (max 63), starting with a letter or digit`,
    );

const timeZone = z
  .string()
  .refine(isTimeZone, {
    error: 'expected an IANA time zone such as "UTC", "Asia/Tokyo" or "America/New_York"',
  })
  .describe('IANA time zone of the billing month');

const currency = z
  .string()
  .refine(isCurrencyCode, { error: 'expected an ISO 4217 currency code such as USD, EUR or JPY' })
  .describe('ISO 4217 currency code');

/** Amounts: a number, or a string for values a float cannot hold exactly. Kept as text until parsed exactly. */
const amount = z
  .union([z.number(), z.string()])
  .transform((value) => String(value))
  .refine(isDecimalText, { error: 'expected a decimal amount such as 25000 or "1234.56"' })
  .refine((text) => !text.startsWith('-'), { error: 'expected an amount of zero or more' })
  .describe('Decimal amount; quote it ("1234.5678") when it has more than 15 significant digits');

// `at: 80%` is a percent of the budget; `at: 25000` is an amount in the budget's currency.
const thresholdAt = z
  .union([z.number(), z.string()])
  .transform((value) => String(value).trim())
  .refine((text) => /^\d+(\.\d+)?%$/.test(text) || isDecimalText(text), {
    error: 'expected a percent of the budget like "80%" or an amount in the budget currency like 25000',
  })
  .describe('"80%" (of the budget) or an amount in the budget currency');

/**
 * A guardrail action on a threshold: `do` names the kind (a provider's, e.g. soracom.speedClass, or
 * event); the kind's own fields (e.g. `to`) sit beside it and are checked by the kind (config.ts).
 */
const action = z
  .looseObject({
    do: z
      .string()
      .regex(/^(event|[a-z]+\.[A-Za-z]+)$/, {
        error: 'expected an action kind such as soracom.speedClass, soracom.standby, killbill.block or event',
      })
      .describe(
        'The action kind: <provider>.<kind> (soracom.speedClass, soracom.standby, killbill.block) or event',
      ),
    approval: z
      .enum(['manual', 'auto'])
      .default('manual')
      .describe('manual: the alert carries an Approve link; auto: carried out by the check itself'),
    allow: strictObject({
      groups: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe("Act only on targets in one of these provider groups (a Soracom SIM's group ID)"),
      tags: z
        .record(z.string().min(1), z.string().min(1))
        .optional()
        .describe(
          "Act only on targets carrying these tag values, exact or glob (a SIM's tags, a Kill Bill account's custom fields)",
        ),
    })
      .optional()
      .describe('Allow-list of targets: anything else is refused, and says why'),
  })
  .describe(
    "The kind's own fields sit beside do, e.g. to: s1.minimum for soracom.speedClass, bus: for event",
  );

const threshold = strictObject({
  at: thresholdAt,
  basis: z
    .enum(['actual', 'forecast', 'pace'])
    .default('actual')
    .describe(
      'actual: spend to date; forecast: projected period-end spend; pace: how far ahead of a straight-line burn',
    ),
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
  allowUnusual: z
    .boolean()
    .default(false)
    .describe('Accept a threshold at 0% or below, or above 1000% of the budget (refused as a likely typo)'),
  actions: z
    .array(action)
    .default([])
    .describe('Guardrail actions taken on what crossed (guardrails.mode says whether they run at all)'),
});

const rate = strictObject({
  from: currency,
  to: currency,
  rate: amount
    .refine((text) => Number(text) > 0, { error: 'expected a rate above zero' })
    .describe('units of `to` per one `from`'),
});

const scope = strictObject({
  services: z.array(z.string().min(1)).optional().describe('ServiceName values or globs ("Workers*")'),
  items: z.array(z.string().min(1)).optional().describe('Bill items (ChargeDescription) or globs'),
  resources: z
    .array(z.string().min(1))
    .optional()
    .describe('ResourceId values or globs: SIM IMSIs, Fastly service IDs, zones'),
  tags: z
    .record(z.string().min(1), z.string().min(1))
    .optional()
    .describe(
      'Tag values the resource must carry, exact or glob, e.g. {"tag:fleet": A} (Soracom SIM tag columns)',
    ),
});

const anomaly = strictObject({
  lookbackDays: z
    .int()
    .min(5)
    .max(60)
    .default(14)
    .describe('Days before the examined day that form its baseline'),
  sensitivity: z
    .number()
    .positive()
    .default(5)
    .describe('Robust standard deviations above the baseline median that count as a spike'),
  minAmount: amount.default('0').describe('Ignore spikes smaller than this above the baseline (budget unit)'),
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
});

const budget = strictObject({
  name: slug('budget name').describe('Unique name; appears in alerts and in the alert-state keys'),
  description: z.string().optional(),
  account: slug('account id').optional().describe('The account this budget watches'),
  accounts: z
    .array(slug('account id'))
    .min(1)
    .optional()
    .describe('A group of accounts summed into one budget'),
  amount: amount
    .refine((text) => !isDecimalText(text) || decimal(text).gt(0), {
      error: 'a budget of 0 is crossed by any spend and has no percent; set the amount you mean to allow',
    })
    .describe('The budget for one period, in `currency` (cost) or in `unit` (usage)'),
  currency: currency.optional().describe('Currency of a cost budget'),
  unit: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Makes this a usage budget counting this unit (Kill Bill unit type, Fastly usage unit; glob allowed)',
    ),
  period: z
    .enum(['monthly'])
    .default('monthly')
    .describe("The account's billing month (see accounts[].periodStartDay)"),
  scope: scope.optional().describe('Narrow the budget to part of the bill'),
  each: z
    .enum(['resource'])
    .optional()
    .describe('Hold every resource in scope (each SIM, service, zone) to this budget on its own'),
  window: z
    .enum(['period', 'day'])
    .default('period')
    .describe('With each: resource, the budget applies to the whole period or to each day'),
  amountTag: z
    .string()
    .min(1)
    .optional()
    .describe(
      "With each: resource, a resource's own amount: the value of this tag on it (a Kill Bill customer's custom field, a Soracom SIM's tag column such as \"tag:cap\"), in the budget's currency or unit; resources without it are held to amount",
    ),
  amounts: z
    .record(
      z.string().min(1),
      amount.refine((text) => !isDecimalText(text) || decimal(text).gt(0), {
        error: 'expected an amount above zero',
      }),
    )
    .optional()
    .describe(
      "With each: resource, the amounts of named resources by resource id (a SIM's IMSI, a Kill Bill customer's external key), before amountTag",
    ),
  thresholds: z.array(threshold).min(1, { error: 'a budget needs at least one threshold, e.g. - at: 80%' }),
  anomaly: anomaly.optional().describe('Alert on a day far above its recent baseline (needs a daily series)'),
  forecastMinDays: z
    .int()
    .min(1)
    .max(28)
    .default(3)
    .describe('No forecast or pace alert before this many days of data'),
  staleAfterHours: z
    .number()
    .positive()
    .default(24)
    .describe('A provider figure older than this is reported stale, not forecast from'),
  notifyBackUnder: z
    .boolean()
    .default(true)
    .describe('Send one notice when a forecast falls back under a threshold it crossed'),
});

const accountCommon = {
  id: slug('account id').describe('Your name for the account; budgets refer to it'),
  baseUrl: z
    .url({ error: 'expected an absolute http(s) URL' })
    .refine((url) => credentialsMayGoTo(new URL(url)), { error: INSECURE_URL_FIX })
    .optional()
    .describe("Override the provider's API base URL"),
  timeZone: timeZone.optional(),
  periodStartDay: z
    .int()
    .min(1)
    .max(28)
    .default(1)
    .describe(
      'Day of the month the billing period starts (1 = calendar month); providers with their own cycle report it',
    ),
  readEveryMinutes: z
    .int()
    .min(1)
    .max(1440)
    .optional()
    .describe(
      'Read this account at most this often; runs in between evaluate its last reading (default: every run; 60 for a Kill Bill account that prices invoices by dry run). For a provider that refreshes slowly or rations API calls, e.g. 60 for Fastly, whose month-to-date figure is cached up to 4 h',
    ),
};

const [firstVariant, ...otherVariants] = PROVIDERS.map((provider) =>
  strictObject({ ...accountCommon, ...provider.account.shape }),
);
if (!firstVariant) throw new Error('no provider is registered');

const anyAccount = z.discriminatedUnion('provider', [firstVariant, ...otherVariants], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `expected "provider" to be one of: ${PROVIDERS.map((p) => p.name).join(', ')}`
      : undefined,
});

/**
 * An account as parsed, as far as the config reads it itself; its provider's own fields are read
 * through the registry (settingsOf), typed by that provider's schema.
 */
export type AccountFields = z.output<z.ZodObject<typeof accountCommon>> & {
  provider: ProviderName;
  credentials: Record<string, string>;
};

const account: z.ZodType<AccountFields, z.input<typeof anyAccount>> = anyAccount;

export const ConfigSchema = strictObject({
  version: z.literal(1).default(1).describe('Config format version'),
  timeZone: timeZone.default('UTC').describe('Default billing time zone for accounts that name none'),
  rates: z
    .array(rate)
    .default([])
    .describe('Exchange rates, for budgets that sum accounts billed in other currencies'),
  accounts: z.array(account).min(1, { error: 'add at least one account under "accounts"' }),
  budgets: z.array(budget).default([]),
  guardrails: strictObject({
    mode: z
      .enum(['propose', 'act'])
      .default(DEFAULT_GUARDRAILS.mode)
      .describe(
        'propose: actions are only named in alerts, never carried out (start here); act: manual ones get an Approve link, auto ones run',
      ),
    maxPerRun: z
      .int()
      .min(0)
      .default(5)
      .describe('Automatic actions one check may carry out; beyond it they are proposed for approval'),
    maxPerDayPerBudget: z
      .int()
      .min(0)
      .default(3)
      .describe(
        'Actions carried out per budget per UTC day (automatic or approved) before the rest are proposed',
      ),
    linkValidHours: z
      .number()
      .positive()
      .max(24 * 14)
      .default(24)
      .describe('How long an Approve link works'),
    undoValidHours: z
      .number()
      .positive()
      .max(24 * 31)
      .default(24 * 7)
      .describe('How long an Undo link works'),
  }).default(DEFAULT_GUARDRAILS),
  monitoring: strictObject({
    gapAfterHours: z
      .number()
      .positive()
      .default(6)
      .describe('Raise one "monitoring gap" alert when an account cannot be read for this long'),
  }).default({ gapAfterHours: 6 }),
});

export type ParsedConfig = z.output<typeof ConfigSchema>;
