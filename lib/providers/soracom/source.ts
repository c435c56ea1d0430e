import type { z } from 'zod';
import { type Endpoint, fixedEndpoint } from '../../http/index.ts';
import { type CurrencyCode, currencyCode, Money } from '../../money/index.ts';
import type { DailyCost, PeriodSpend, SpendLine } from '../../spend/index.ts';
import type { Clock } from '../../time/clock.ts';
import { monthlyPeriod, yyyymm } from '../../time/period.ts';
import { fromLocal } from '../../time/zoned.ts';
import type { ConnectContext, MonthlyTotal, ReadRequest, SpendSource } from '../types.ts';
import type { SoracomAccount } from './account.ts';
import { SoracomApi } from './api.ts';
import {
  BillItemSummaries,
  BillingHistory,
  DailyBills,
  LatestBill,
  MonthlyBill,
  SimSummaries,
} from './schemas.ts';

const LATEST = fixedEndpoint('GET', '/bills/latest');
const HISTORY = fixedEndpoint('GET', '/bills');
const BILL_ITEM_SUMMARIES = fixedEndpoint('GET', '/bills/summaries/bill_items');
const SIM_SUMMARIES = fixedEndpoint('GET', '/bills/summaries/sims');
const YYYYMM = /^\d{6}$/;

/** Reads one Soracom account: the preliminary month from /bills/latest, finalised months from /bills. */
export class SoracomSource implements SpendSource {
  private readonly api: SoracomApi;
  private readonly clock: Clock;

  constructor(
    private readonly account: SoracomAccount,
    context: ConnectContext,
  ) {
    this.api = new SoracomApi(account, context);
    this.clock = context.clock;
  }

  async read(request: ReadRequest): Promise<{ status: 'ok'; spend: PeriodSpend }> {
    const latest = await this.api.json(LATEST, LatestBill);
    const asOf = parseEvaluatedTime(latest.lastEvaluatedTime, this.account.timeZone);
    // /bills/latest carries no month: it is the month in which the figure was evaluated.
    const period = monthlyPeriod(asOf, this.account.timeZone);
    const month = yyyymm(period);
    const currency = currencyCode(latest.currency);
    const spend: PeriodSpend = {
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
      spend.daily = await this.daily(dailyEndpoint);
      spend.sources.push(dailyEndpoint.label);
    }
    if (request.needs.breakdown) {
      spend.lines = await this.breakdown(month, currency);
      spend.sources.push(BILL_ITEM_SUMMARIES.label, SIM_SUMMARIES.label);
    }
    return { status: 'ok', spend };
  }

  /**
   * Finalised months before the current one, newest first (Soracom keeps 18). /bills items carry
   * no currency: an account is billed in one currency, so the one /bills/latest states is used
   * (one request, memoised for the run and usually already made by read()), rather than one
   * /bills/{yyyyMM} per month on a rate-limited API.
   */
  async history(months: number): Promise<MonthlyTotal[]> {
    const { billList } = await this.api.json(HISTORY, BillingHistory);
    const current = yyyymm(monthlyPeriod(this.clock.now(), this.account.timeZone));
    const bills = billList
      .filter((bill) => bill.yearMonth < current)
      .sort((a, b) => b.yearMonth.localeCompare(a.yearMonth))
      .slice(0, Math.max(0, months));
    const fallback = bills.some((bill) => !bill.currency) ? await this.accountCurrency() : undefined;
    return bills.map((bill) => monthlyTotal(bill, bill.currency ?? fallback!));
  }

  /**
   * One month's bill ("202610"): finalised, or preliminary for the current month. Undefined when
   * Soracom has none (404: not finalised yet, or nothing charged that month).
   */
  async monthBill(yyyyMM: string): Promise<MonthlyTotal | undefined> {
    if (!YYYYMM.test(yyyyMM)) throw new RangeError(`"${yyyyMM}" is not a month; write it as yyyyMM`);
    const endpoint: Endpoint = { method: 'GET', path: `/bills/${yyyyMM}`, label: 'GET /bills/{yyyyMM}' };
    const bill = await this.api.optional(endpoint, MonthlyBill);
    if (!bill) return undefined;
    return monthlyTotal(bill, bill.currency ?? (await this.accountCurrency()));
  }

  private async accountCurrency(): Promise<string> {
    return (await this.api.json(LATEST, LatestBill)).currency;
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

  /**
   * Lines per bill item and per SIM (the top 100) for `month`. The summaries cover the last four
   * months; a month not summarised yet (early in the month) gives no lines rather than an error.
   */
  private async breakdown(month: string, currency: CurrencyCode): Promise<SpendLine[]> {
    const [items, sims] = await Promise.all([
      this.api.json(BILL_ITEM_SUMMARIES, BillItemSummaries),
      this.api.json(SIM_SUMMARIES, SimSummaries),
    ]);
    const itemMonth = items.find((summary) => summary.yearMonth === month);
    const simMonth = sims.find((summary) => summary.yearMonth === month);
    const itemCurrency = itemMonth?.currency ?? currency;
    const simCurrency = simMonth?.currency ?? currency;
    return [
      ...(itemMonth?.costBreakdownList ?? []).map(
        (item): SpendLine => ({
          ServiceName: item.billItemCategory,
          ChargeDescription: item.billItemName,
          BilledCost: Money.of(item.amount, itemCurrency),
        }),
      ),
      ...(simMonth?.costBreakdownList ?? []).map(
        (sim): SpendLine => ({ ResourceId: sim.simId, BilledCost: Money.of(sim.amount, simCurrency) }),
      ),
    ];
  }
}

function monthlyTotal(bill: z.output<typeof MonthlyBill>, currency: string): MonthlyTotal {
  return {
    month: `${bill.yearMonth.slice(0, 4)}-${bill.yearMonth.slice(4, 6)}`,
    BilledCost: Money.of(bill.amount, currency),
    closed: bill.state === 'closed',
  };
}

/** "20261123091500" read in the account's billing time zone. */
function parseEvaluatedTime(text: string, timeZone: string): Date {
  const n = (from: number, to: number) => Number(text.slice(from, to));
  return fromLocal(
    { year: n(0, 4), month: n(4, 6), day: n(6, 8), hour: n(8, 10), minute: n(10, 12), second: n(12, 14) },
    timeZone,
  );
}
