import * as z from 'zod';
import { currencyCode, isCurrencyCode } from '../../money/index.ts';
import { secretRef } from '../../secrets/index.ts';
import type { AccountBase } from '../types.ts';

export const fastlyAccount = z.object({
  provider: z.literal('fastly'),
  api: z
    .enum(['v3', 'v2'])
    .default('v3')
    .describe('Billing API: v3, or the legacy v2 that Fastly retired in 2025'),
  customerId: z
    .string()
    .min(1)
    .optional()
    .describe('Fastly customer ID; needed only with api: v2, whose paths name the customer'),
  mtdPendingBudgetSeconds: z
    .number()
    .min(0)
    .max(300)
    .default(60)
    .describe('How long one run waits for a month-to-date invoice Fastly is still generating (202)'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code such as USD')
    .refine(isCurrencyCode, 'expected an ISO 4217 currency code such as USD')
    .default(currencyCode('USD'))
    .describe(
      "Billing currency assumed when no invoice names one (the month-to-date invoice never does); USD is Fastly's list-price currency",
    ),
  credentials: z
    .object({
      apiToken: secretRef.describe('Fastly API token, sent as Fastly-Key, e.g. env:FASTLY_API_TOKEN'),
    })
    .strict(),
});

export type FastlyAccount = z.output<typeof fastlyAccount> & AccountBase;
