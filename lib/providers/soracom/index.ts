import type { ProviderModule } from '../types.ts';
import { chargebackProblems, soracomAccount } from './account.ts';
import { soracomActuators } from './actuators.ts';
import { SoracomSource } from './source.ts';

export { SORACOM_BASE_URLS, type SoracomAccount } from './account.ts';
export { forgetSoracomSessions } from './api.ts';
export { SoracomExports } from './billing-csv/export-api.ts';
export { SoracomSource } from './source.ts';

export const soracom: ProviderModule<typeof soracomAccount> = {
  name: 'soracom',
  scopes: {
    services: 'bill item categories',
    items: 'bill items, e.g. "Data usage fee"',
    resources: 'SIM IDs or IMSIs',
    tags: 'SIM tags, from the billing-CSV export',
  },
  account: soracomAccount,
  // The account's setting, else Japan coverage's yen; Global coverage may bill in USD or EUR.
  knownCurrency: (acct) => acct.currency ?? (acct.coverage === 'jp' ? 'JPY' : undefined),
  // Japan coverage bills by the JST calendar month, Global coverage by UTC.
  defaultTimeZone: (acct) => (acct.coverage === 'jp' ? 'Asia/Tokyo' : 'UTC'),
  configProblems: chargebackProblems,
  connect: (acct, context) => new SoracomSource(acct, context),
  actuators: soracomActuators,
};
