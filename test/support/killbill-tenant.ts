/**
 * The Kill Bill tenant the invoice tests price, on the simulator's catalog: Partner Platform (API
 * usage and the platform fee), Acme Retail (API usage, a spendwatch-cap custom field) and Initech
 * (nothing to invoice). The expected figures are worked out in the tests from the catalog's tiers.
 */
import type { KillBillSimAccount, KillBillSimOptions } from '../../dev/simulators/killbill.ts';

export const SUB_API = '365987b2-5443-47e4-a467-c8962fc6995c';
export const SUB_FEE = '9b1f4c52-6d0e-4f7a-8c3b-2e5d7a9f1c04';
export const ACME = {
  accountId: '5d0c9e2a-7b41-4f3e-9a6d-2e8b1c4f7a90',
  sub: 'c3e1a7b5-0d2f-4c6e-8b9a-1f3d5e7a9c2b',
};
export const INITECH = 'a4b6c8d0-3e5f-4a7b-9c1d-5e7f9a1b3c5d';

/** The tenant's simulator options, behind `credentials`, at the instant `now` gives. */
export function tenant(
  credentials: Pick<KillBillSimOptions, 'username' | 'password' | 'apiKey' | 'apiSecret'>,
  now: () => Date,
): KillBillSimOptions {
  return {
    ...credentials,
    now,
    subscriptions: [SUB_API, SUB_FEE],
    defaultAccount: {
      name: 'Partner Platform',
      externalKey: 'partner-platform',
      plans: { [SUB_FEE]: 'platform-monthly' },
    },
    accounts: [
      {
        ...ACME,
        name: 'Acme Retail',
        externalKey: 'acme-retail',
        subscriptions: [ACME.sub],
        customFields: { 'spendwatch-cap': '1000', 'crm-id': 'C-0042' },
      },
      // No subscription: Kill Bill has nothing to invoice (204).
      { accountId: INITECH, name: 'Initech', externalKey: 'initech', subscriptions: [] },
    ],
    usage: {
      [SUB_API]: {
        // 1,234,567 calls in November; October is invoiced already, the 30th has not happened yet.
        'api-calls': {
          '2026-10-31': 999_999,
          '2026-11-02': 600_000,
          '2026-11-15': 634_567,
          '2026-11-30': 5_000,
        },
        // A unit the plan does not bill.
        'storage-gb': { '2026-11-03': 12 },
      },
      [ACME.sub]: { 'api-calls': { '2026-11-10': 2_800_001 } },
    },
  };
}

/** A customer billed in EUR, which the catalog has no price in: Kill Bill refuses its dry run (400). */
export const UNPRICED: KillBillSimAccount = {
  accountId: 'f1e3d5c7-9b2a-4d6f-8e0c-7a9b1c3d5e7f',
  externalKey: 'euro-gmbh',
  currency: 'EUR',
  subscriptions: ['2b4d6f8a-0c1e-4a3b-9d5f-7e9a1b3c5d7f'],
};
