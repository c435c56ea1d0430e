import type { AccountSpend } from '../../lib/budgets/status.ts';
import type { PeriodSpend } from '../../lib/spend/index.ts';

/** The Soracom Japan account "jp" (Asia/Tokyo) reading `spend`, as evaluateBudget takes it. */
export function japanAccountSpend(
  spend: Omit<PeriodSpend, 'provider' | 'accountId' | 'sources'>,
): AccountSpend {
  return {
    accountId: 'jp',
    provider: 'soracom',
    timeZone: 'Asia/Tokyo',
    spend: { provider: 'soracom', accountId: 'jp', sources: [], ...spend },
  };
}
