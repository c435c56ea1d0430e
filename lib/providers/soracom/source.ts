import type { Endpoint } from '../../http/index.ts';
import { currencyCode, Money } from '../../money/index.ts';
import type { DailyCost, SpendSnapshot } from '../../snapshot/index.ts';
import { monthlyPeriod, yyyymm } from '../../time/period.ts';
import { fromLocal } from '../../time/zoned.ts';
import type { ConnectContext, ReadRequest, SpendSource } from '../types.ts';
import type { SoracomAccount } from './account.ts';
import { SoracomApi } from './api.ts';
import { DailyBills, LatestBill } from './schemas.ts';

const LATEST: Endpoint = { method: 'GET', path: '/bills/latest', label: 'GET /bills/latest' };

/** Reads one Soracom account: the preliminary month from /bills/latest and its daily series. */
export class SoracomSource implements SpendSource {
  private readonly api: SoracomApi;

  constructor(
    private readonly account: SoracomAccount,
    context: ConnectContext,
  ) {
    this.api = new SoracomApi(account, context);
  }

  async read(request: ReadRequest): Promise<{ status: 'ok'; snapshot: SpendSnapshot }> {
    const latest = await this.api.json(LATEST, LatestBill);
    const asOf = parseEvaluatedTime(latest.lastEvaluatedTime, this.account.timeZone);
    // /bills/latest carries no month: it is the month in which the figure was evaluated.
    const period = monthlyPeriod(asOf, this.account.timeZone);
    const month = yyyymm(period);
    const currency = currencyCode(latest.currency);
    const snapshot: SpendSnapshot = {
      provider: 'soracom',
      accountId: this.account.id,
      BillingPeriodStart: period.start,
      BillingPeriodEnd: period.end,
      asOf,
      BillingCurrency: currency,
      BilledCost: Money.of(latest.amount, currency),
      lines: [],
      sources: [LATEST.label],
    };
    if (request.needs.daily) {
      const dailyEndpoint: Endpoint = {
        method: 'GET',
        path: `/bills/${month}/daily`,
        label: 'GET /bills/{yyyyMM}/daily',
      };
      snapshot.daily = await this.daily(dailyEndpoint);
      snapshot.sources.push(dailyEndpoint.label);
    }
    return { status: 'ok', snapshot };
  }

  private async daily(endpoint: Endpoint): Promise<DailyCost[]> {
    // 404: no daily bill yet for the month (first hours of a month) is an empty series, not an error.
    const bills = await this.api.optional(endpoint, DailyBills);
    return (bills?.billList ?? [])
      .map((bill) => ({
        date: `${bill.date.slice(0, 4)}-${bill.date.slice(4, 6)}-${bill.date.slice(6, 8)}`,
        BilledCost: Money.of(bill.amount, bill.currency),
      }))
      .sort((a, b) => a.date.localeCompare(b.date));
  }
}

/** "20261123091500" read in the account's billing time zone. */
function parseEvaluatedTime(text: string, timeZone: string): Date {
  const n = (from: number, to: number) => Number(text.slice(from, to));
  return fromLocal(
    { year: n(0, 4), month: n(4, 6), day: n(6, 8), hour: n(8, 10), minute: n(10, 12), second: n(12, 14) },
    timeZone,
  );
}
