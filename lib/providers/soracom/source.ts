import type { z } from 'zod';
import { type Endpoint, fixedEndpoint } from '../../http/index.ts';
import type { Logger } from '../../log/index.ts';
import { type CurrencyCode, currencyCode, Money } from '../../money/index.ts';
import type { DailyCost, PeriodSpend, SpendLine, SpendReading } from '../../spend/index.ts';
import type { Clock } from '../../time/clock.ts';
import { monthlyPeriod, yyyymm } from '../../time/period.ts';
import { SideCalls } from '../side-calls.ts';
import type { ConnectContext, MonthlyTotal, ReadRequest, SpendSource } from '../types.ts';
import type { SoracomAccount } from './account.ts';
import { SoracomApi } from './api.ts';
import { figureTime } from './evaluated-time.ts';
import {
  BillItemSummaries,
  BillingHistory,
  DailyBills,
  LatestBill,
  LatestBillCurrency,
  MonthlyBill,
  SimSummaries,
  type SkippedEntry,
} from './schemas.ts';

const LATEST = fixedEndpoint('GET', '/bills/latest');
const HISTORY = fixedEndpoint('GET', '/bills');
const BILL_ITEM_SUMMARIES = fixedEndpoint('GET', '/bills/summaries/bill_items');
/** The per-SIM summary, whose lines the billing-CSV breakdown replaces (billing-csv/breakdown.ts). */
export const SIM_SUMMARIES = fixedEndpoint('GET', '/bills/summaries/sims');
const YYYYMM = /^\d{6}$/;

/** What each coverage bills in when neither the bill nor the account's `currency` says. */
const COVERAGE_CURRENCY = { jp: 'JPY', global: 'USD' } as const;

/**
 * Reads one Soracom account. The headline is one call, GET /bills/latest (the preliminary month);
 * the daily series and the two summaries are side calls: one that fails costs only its part.
 * Finalised months come from /bills and /bills/{yyyyMM}.
 */
export class SoracomSource implements SpendSource {
  private readonly api: SoracomApi;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(
    private readonly account: SoracomAccount,
    context: ConnectContext,
  ) {
    this.api = new SoracomApi(account, context);
    this.clock = context.clock;
    this.logger = context.logger;
  }

  async read(request: ReadRequest): Promise<SpendReading> {
    const latest = await this.api.json(LATEST, LatestBill);
    const sideCalls = new SideCalls(this.logger, { provider: 'soracom', id: this.account.id });
    const evaluated = figureTime(latest.lastEvaluatedTime, this.clock.now(), this.account.timeZone);
    if (evaluated.status === 'pending') {
      return {
        status: 'pending',
        provider: 'soracom',
        accountId: this.account.id,
        endpoint: LATEST.label,
        reason: evaluated.reason,
      };
    }
    if (evaluated.status === 'inferred') {
      sideCalls.note({ part: 'billingPeriod', endpoint: LATEST.label, reason: evaluated.reason });
    }
    // /bills/latest carries no month: it is the month in which the figure was evaluated.
    const period = monthlyPeriod(evaluated.asOf, this.account.timeZone);
    const month = yyyymm(period);
    const currency = latest.currency ?? this.unstatedCurrency(sideCalls);
    const dailyEndpoint: Endpoint = {
      method: 'GET',
      path: `/bills/${month}/daily`,
      label: 'GET /bills/{yyyyMM}/daily',
    };
    const [daily, itemLines, simLines] = await Promise.all([
      request.needs.daily
        ? sideCalls.attempt('daily', undefined, () => this.daily(dailyEndpoint, month, currency))
        : undefined,
      request.needs.breakdown
        ? sideCalls.attempt('breakdown', undefined, () => this.billItemLines(month, currency))
        : undefined,
      request.needs.breakdown
        ? sideCalls.attempt('breakdown', undefined, () => this.simLines(month, currency))
        : undefined,
    ]);
    // Only the calls that answered served the spend.
    const answered = [daily && dailyEndpoint, itemLines && BILL_ITEM_SUMMARIES, simLines && SIM_SUMMARIES];
    const spend: PeriodSpend = {
      provider: 'soracom',
      accountId: this.account.id,
      BillingPeriodStart: period.start,
      BillingPeriodEnd: period.end,
      asOf: evaluated.asOf,
      BillingCurrency: currency,
      BilledCost: Money.of(latest.amount, currency),
      lines: [...(itemLines ?? []), ...(simLines ?? [])],
      ...(daily && { daily }),
      sources: [LATEST.label, ...answered.flatMap((endpoint) => (endpoint ? [endpoint.label] : []))],
      ...sideCalls.marks(),
    };
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
    this.setAside(HISTORY, 'bills', billList.skipped);
    const current = yyyymm(monthlyPeriod(this.clock.now(), this.account.timeZone));
    const bills = billList.entries
      .filter((bill) => bill.yearMonth < current)
      .sort((a, b) => b.yearMonth.localeCompare(a.yearMonth))
      .slice(0, Math.max(0, months));
    const fallback = bills.some((bill) => !bill.currency) ? await this.accountCurrency() : undefined;
    return bills.map((bill) => monthlyTotal(bill.yearMonth, bill, bill.currency ?? fallback!));
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
    return monthlyTotal(yyyyMM, bill, bill.currency ?? (await this.accountCurrency()));
  }

  /** The currency of a bill that states none: the one /bills/latest states, else the account's. */
  private async accountCurrency(): Promise<CurrencyCode> {
    const { currency } = await this.api.json(LATEST, LatestBillCurrency);
    return currency ?? this.unstatedCurrency();
  }

  /**
   * The account's currency when Soracom states none: its `currency` setting, else its coverage's.
   * The setting comes first: Global coverage may bill in USD or EUR, so what the user wrote beats
   * a guess from the coverage. A guess is marked on the reading (`sideCalls`) or logged.
   */
  private unstatedCurrency(sideCalls?: SideCalls): CurrencyCode {
    if (this.account.currency) return currencyCode(this.account.currency);
    const guess = COVERAGE_CURRENCY[this.account.coverage];
    const reason = `the bill states no ISO 4217 currency; read as ${guess}, what ${this.account.coverage} coverage bills in: set the account's currency if it is billed in another`;
    if (sideCalls) sideCalls.note({ part: 'currency', endpoint: LATEST.label, reason });
    else this.logger.warn('soracom currency guessed from the coverage', { account: this.account.id, reason });
    return currencyCode(guess);
  }

  /**
   * The daily bills of `month` (yyyyMM), oldest first. A day of another month is not part of its
   * series, and one in another currency than the headline cannot be added to it: both are set aside.
   */
  private async daily(endpoint: Endpoint, month: string, currency: CurrencyCode): Promise<DailyCost[]> {
    // 404: no daily bill yet for the month (first hours of a month) is an empty series, not an error.
    const bills = await this.api.optional(endpoint, DailyBills);
    if (!bills) return [];
    const { entries, skipped } = bills.billList;
    this.setAside(endpoint, 'daily bills', skipped);
    // A day that states no currency is in the bill's.
    const days = entries.filter(
      (bill) => bill.date.startsWith(month) && (bill.currency ?? currency) === currency,
    );
    if (days.length < entries.length) {
      this.logger.warn('soracom daily bills of another month or currency than the bill set aside', {
        account: this.account.id,
        endpoint: endpoint.label,
        month,
        currency,
        dates: entries.filter((bill) => !days.includes(bill)).map((bill) => bill.date),
      });
    }
    return days
      .map((bill) => ({
        date: `${bill.date.slice(0, 4)}-${bill.date.slice(4, 6)}-${bill.date.slice(6, 8)}`,
        BilledCost: Money.of(bill.amount, currency),
      }))
      .sort((a, b) => a.date.localeCompare(b.date));
  }

  /**
   * Lines per bill item for `month`. The summaries cover the last four months; a month not summarised
   * yet (early in the month) gives no lines rather than an error.
   */
  private async billItemLines(month: string, currency: CurrencyCode): Promise<SpendLine[]> {
    const summary = this.monthOf(
      BILL_ITEM_SUMMARIES,
      await this.api.json(BILL_ITEM_SUMMARIES, BillItemSummaries),
      month,
    );
    // A summary that states no currency is in the bill's.
    const lineCurrency = summary?.currency ?? currency;
    return (summary?.costBreakdownList.entries ?? []).map((item) => ({
      ServiceName: item.billItemCategory,
      ChargeDescription: item.billItemName,
      BilledCost: Money.of(item.amount, lineCurrency),
    }));
  }

  /** Lines per SIM (the top 100) for `month`, as for bill items. */
  private async simLines(month: string, currency: CurrencyCode): Promise<SpendLine[]> {
    const summary = this.monthOf(SIM_SUMMARIES, await this.api.json(SIM_SUMMARIES, SimSummaries), month);
    const lineCurrency = summary?.currency ?? currency;
    return (summary?.costBreakdownList.entries ?? []).map((sim) => ({
      ResourceId: sim.simId,
      BilledCost: Money.of(sim.amount, lineCurrency),
    }));
  }

  /** The summary of `month`, reporting the summaries and cost lines that had to be set aside. */
  private monthOf<T extends { yearMonth: string; costBreakdownList: { skipped: SkippedEntry[] } }>(
    endpoint: Endpoint,
    summaries: { entries: T[]; skipped: SkippedEntry[] },
    month: string,
  ): T | undefined {
    this.setAside(endpoint, 'monthly summaries', summaries.skipped);
    const summary = summaries.entries.find((entry) => entry.yearMonth === month);
    if (summary) this.setAside(endpoint, `cost lines of ${month}`, summary.costBreakdownList.skipped);
    return summary;
  }

  /** One warning for the entries of a list that lacked what they are read for. */
  private setAside(endpoint: Endpoint, what: string, skipped: SkippedEntry[]): void {
    if (skipped.length === 0) return;
    this.logger.warn(`soracom ${what} set aside: they lack what they are read for`, {
      account: this.account.id,
      endpoint: endpoint.label,
      count: skipped.length,
      entries: skipped.slice(0, 5),
    });
  }
}

function monthlyTotal(
  yyyyMM: string,
  bill: z.output<typeof MonthlyBill>,
  currency: CurrencyCode,
): MonthlyTotal {
  return {
    month: `${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4, 6)}`,
    BilledCost: Money.of(bill.amount, currency),
    closed: bill.state === 'closed',
  };
}
