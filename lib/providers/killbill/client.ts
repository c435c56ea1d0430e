/**
 * What the Kill Bill reading (usage and upcoming invoices) and the usage recorder share: the account's
 * config fields and one authenticated HTTP session (basic auth for the user, X-Killbill-ApiKey/ApiSecret
 * for the tenant).
 */
import * as z from 'zod';
import type { Endpoint, ProviderError, ProviderHttp } from '../../http/index.ts';
import { redactor } from '../../log/index.ts';
import { secretRef } from '../../secrets/index.ts';
import { accountHttp } from '../account-http.ts';
import type { AccountBase, ConnectContext } from '../types.ts';

/** Kill Bill's path pattern is `\w+-\w+-\w+-\w+-\w+`; its IDs are UUIDs, so check the full form early. */
export const subscriptionId = z.guid({
  error: 'expected a Kill Bill subscription UUID such as 365987b2-5443-47e4-a467-c8962fc6995c',
});

const eachOnce = (list: string[]) => new Set(list).size === list.length;

/**
 * The Kill Bill contracts usage is recorded for: '0.22' (0.22 and earlier: a record's date is a day,
 * its amount a whole number) and '0.24' (0.24 and later: a date-time and a decimal).
 */
export type KillBillVersion = '0.22' | '0.24';

const SERVER_VERSION_ERROR = 'expected auto, 0.22 or 0.24';

export const killbillAccount = z.object({
  provider: z.literal('killbill'),
  // Kill Bill is self-hosted: there is no public default to fall back to.
  baseUrl: z
    .url({
      protocol: /^https?$/,
      error: (issue) =>
        issue.input === undefined
          ? 'Kill Bill is self-hosted, so killbill accounts need the URL of your server, e.g. baseUrl: https://killbill.example.com'
          : 'expected an absolute http(s) URL such as https://killbill.example.com',
    })
    .describe('URL of your Kill Bill server (the API is under /1.0/kb)'),
  subscriptions: z
    .array(subscriptionId)
    .refine(eachOnce, { error: 'list each subscription once' })
    .default([])
    .describe(
      'Subscription UUIDs whose usage this account reports (needed by its budgets; an account that only receives chargeback may list none)',
    ),
  accounts: z
    .union(
      [
        z.literal('all'),
        z
          .array(z.string().min(1, { error: 'expected a Kill Bill account UUID or external key' }))
          .min(1, { error: 'list at least one account, or write accounts: all' })
          .refine(eachOnce, { error: 'list each account once' }),
      ],
      {
        error: (issue) =>
          issue.code === 'invalid_union'
            ? 'expected all, or a list of Kill Bill account UUIDs or external keys such as [acme-corp]'
            : undefined,
      },
    )
    .optional()
    .describe(
      'Kill Bill accounts (your customers) whose upcoming invoice cost budgets read, priced by one dry run each: all (every account of the tenant) or a list of account UUIDs or external keys',
    ),
  unitTypes: z
    .array(z.string().min(1, { error: 'expected a unit type name as in your catalog' }))
    .min(1)
    .refine(eachOnce, { error: 'list each unit type once' })
    .optional()
    .describe('Read only these unit types (one request each); all unit types when omitted'),
  serverVersion: z
    // YAML reads an unquoted 0.22 as a number.
    .union([z.literal(['auto', '0.22', '0.24']), z.literal([0.22, 0.24])], { error: SERVER_VERSION_ERROR })
    .default('auto')
    .transform((version) => String(version) as KillBillVersion | 'auto')
    .describe(
      'Kill Bill version usage is recorded for: auto asks GET /1.0/kb/nodesInfo once; 0.22 (and earlier) takes days and whole units, 0.24 (and later) date-times and decimals',
    ),
  createdBy: z
    .string()
    .regex(/^[\x20-\x7e]+$/, { error: 'expected printable ASCII (it is sent as an HTTP header)' })
    .default('spendwatch')
    .describe(
      'X-Killbill-CreatedBy sent with recorded usage (Kill Bill audit log) and with dry runs (which record nothing)',
    ),
  credentials: z
    .object({
      username: secretRef.describe('Kill Bill user, e.g. env:KILLBILL_USERNAME'),
      password: secretRef.describe("the user's password, e.g. env:KILLBILL_PASSWORD"),
      apiKey: secretRef.describe('tenant API key, e.g. env:KILLBILL_API_KEY'),
      apiSecret: secretRef.describe('tenant API secret, e.g. env:KILLBILL_API_SECRET'),
    })
    .strict(),
});

export type KillBillAccount = z.output<typeof killbillAccount> & AccountBase;

export function killbillHttp(account: KillBillAccount, context: ConnectContext): ProviderHttp {
  const { username, password, apiKey, apiSecret } = context.credentials;
  const basic = Buffer.from(`${username}:${password}`).toString('base64');
  // The encoded pair is a credential too, though no resolver ever saw it in this form.
  redactor.add(basic);
  const headers = {
    authorization: `Basic ${basic}`,
    'X-Killbill-ApiKey': apiKey ?? '',
    'X-Killbill-ApiSecret': apiSecret ?? '',
  };
  return accountHttp('killbill', account, account.baseUrl, context, { headers: () => headers });
}

/** Kill Bill answers 404 (SUB_INVALID_SUBSCRIPTION_ID) for a subscription the tenant does not have. */
export function unknownSubscription(
  http: ProviderHttp,
  endpoint: Endpoint,
  subscription: string,
  status: number,
): ProviderError {
  return http.error(
    endpoint,
    'not-found',
    `Kill Bill has no subscription ${subscription} in this tenant; check the subscription UUID and that baseUrl and apiKey point at the right server and tenant`,
    status,
  );
}
