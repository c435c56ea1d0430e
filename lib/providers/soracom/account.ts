import * as z from 'zod';
import { strictObject } from '../../config/strict.ts';
import { secretRef } from '../../secrets/index.ts';
import type { AccountBase, AccountProblem, ConfigCheckContext } from '../types.ts';

/** Soracom runs two platforms with separate accounts: Japan and Global coverage. */
export const SORACOM_BASE_URLS = {
  jp: 'https://api.soracom.io/v1',
  global: 'https://g.api.soracom.io/v1',
} as const;

/** Soracom's usage for a day keeps arriving for a while: record a day only this long after it ended. */
const DEFAULT_SETTLE_HOURS = 24;

/**
 * Chargeback: each SIM's daily cost per bill item, from the billing-CSV exports, recorded as usage of
 * the Kill Bill subscription that one of the SIM's tags names.
 */
const chargebackConfig = strictObject({
  killbill: z
    .string({ error: 'expected the id of a killbill account listed under accounts' })
    .min(1, { error: 'expected the id of a killbill account listed under accounts' })
    .describe('The killbill account (its id under accounts) that receives the usage'),
  subscriptionTag: z
    .string({ error: 'expected a tag column of the billing CSV, e.g. "tag:kb-subscription"' })
    .min(1, { error: 'expected a tag column of the billing CSV, e.g. "tag:kb-subscription"' })
    .describe(
      'The billing CSV\'s tag column whose value is the SIM\'s Kill Bill subscription UUID, e.g. "tag:kb-subscription"',
    ),
  unitType: z
    .string({ error: 'expected a unit type name of your Kill Bill catalog, e.g. sim-usage-jpy' })
    .regex(/^[\x21-\x7e]+$/, {
      error: 'expected a unit type name of your Kill Bill catalog, e.g. sim-usage-jpy',
    })
    .describe('The Kill Bill unit type the cost is recorded in, as an amount of the bill currency'),
  settleHours: z
    .int()
    .min(0)
    .max(240)
    .default(DEFAULT_SETTLE_HOURS)
    .describe(
      "Record a day once an export was made this many hours after the day ended (Soracom's usage for a day keeps arriving for a while)",
    ),
  startDate: z.iso
    .date({ error: 'expected a date such as "2026-11-01"' })
    .optional()
    .describe('Record no day before this one, so turning chargeback on does not bill earlier usage'),
  concurrency: z.int().min(1).max(32).default(8).describe('Usage records sent to Kill Bill at once'),
});

export type ChargebackConfig = z.output<typeof chargebackConfig>;

/** A chargeback names the Kill Bill account it records in: it must be one, under accounts. */
export function chargebackProblems(
  account: { chargeback?: Pick<ChargebackConfig, 'killbill'> | undefined },
  { accounts }: ConfigCheckContext,
): AccountProblem[] {
  const target = account.chargeback?.killbill;
  const killbillIds = accounts.filter((a) => a.provider === 'killbill').map((a) => a.id);
  if (target === undefined || killbillIds.includes(target)) return [];
  const known =
    killbillIds.length > 0 ? `killbill accounts: ${killbillIds.join(', ')}` : 'add one under accounts';
  const named = accounts.find((a) => a.id === target);
  return [
    {
      path: ['chargeback', 'killbill'],
      message: named
        ? `account "${target}" is a ${named.provider} account; chargeback records usage in a killbill account (${known})`
        : `no killbill account with id "${target}" (${known})`,
    },
  ];
}

export const soracomAccount = z.object({
  provider: z.literal('soracom'),
  coverage: z
    .enum(['jp', 'global'])
    .default('jp')
    .describe('Japan (api.soracom.io) or Global (g.api.soracom.io) coverage'),
  currency: z
    .enum(['JPY', 'USD', 'EUR'])
    .optional()
    .describe(
      'The currency the account is billed in, for bills that do not state it (default: JPY for jp, USD for global; Global accounts may be billed in EUR)',
    ),
  credentials: z
    .object({
      authKeyId: secretRef.describe('SAM user or root AuthKey ID, e.g. env:SORACOM_AUTH_KEY_ID'),
      authKey: secretRef.describe('the AuthKey secret, e.g. env:SORACOM_AUTH_KEY'),
    })
    .strict(),
  chargeback: chargebackConfig
    .optional()
    .describe("Record each SIM's daily cost as usage of its Kill Bill subscription (billing-CSV exports)"),
});

export type SoracomAccount = z.output<typeof soracomAccount> & AccountBase;
