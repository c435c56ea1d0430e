/**
 * Puts the billing-CSV breakdown into a Soracom period spend: every SIM with its tags and total (the API
 * only lists the top 100), so per-SIM budgets, tag groups and top contributors see the whole fleet.
 */
import type { Account } from '../../../config/config.ts';
import { Money } from '../../../money/index.ts';
import type { PeriodSpend, SpendLine } from '../../../spend/index.ts';
import type { ObjectStore } from '../../../state/store.ts';
import { monthlyPeriod, yyyymm } from '../../../time/period.ts';
import { localDayBounds } from '../../../time/zoned.ts';
import type { ReadNeeds } from '../../types.ts';
import { SIM_SUMMARIES } from '../source.ts';
import { latestSummary, type StoredSoracomSummary } from './summaries.ts';

export interface SummaryLineOptions {
  /**
   * One line per SIM per day (charge period = that local day in `timeZone`), plus one undated line for
   * what the SIM's monthly-dated rows add, instead of one line per SIM. For daily per-SIM budgets only:
   * a large fleet gives SIMs × days lines.
   */
  perDay?: { timeZone: string };
}

/** Lines of the CSV summary: one per SIM (or other device), with its tags; per day when asked. */
export function summaryLines(summary: StoredSoracomSummary, options: SummaryLineOptions = {}): SpendLine[] {
  const { currency } = summary;
  const lines: SpendLine[] = [];
  const perDay = options.perDay;
  // A month has at most 31 dates: each day's bounds are computed once and shared by every SIM's lines.
  const bounds = new Map<string, { start: Date; end: Date }>();
  for (const sim of summary.subscribers) {
    const base = {
      ResourceId: sim.id,
      ...(Object.keys(sim.tags).length > 0 && { Tags: sim.tags }),
    };
    const total = Money.of(sim.total, currency);
    if (!perDay) {
      lines.push({ ...base, BilledCost: total });
      continue;
    }
    let dated = Money.zero(currency);
    // A summary written before the account had a daily budget has no days: its SIMs count for the period only.
    for (const [date, amount] of Object.entries(sim.days ?? {})) {
      let day = bounds.get(date);
      if (!day) {
        day = localDayBounds(date, perDay.timeZone);
        bounds.set(date, day);
      }
      const cost = Money.of(amount, currency);
      dated = dated.plus(cost);
      lines.push({ ...base, BilledCost: cost, ChargePeriodStart: day.start, ChargePeriodEnd: day.end });
    }
    // Rows dated yyyyMM (monthly fees, free tiers, discounts) belong to no day but to the SIM's period.
    const monthly = total.minus(dated);
    if (!monthly.isZero()) lines.push({ ...base, BilledCost: monthly });
  }
  return lines;
}

/**
 * The spend with the API's (top-100) SIM lines replaced by the CSV's complete ones. A failed per-SIM
 * summary no longer leaves the breakdown short, so its mark goes; any other stays.
 */
function withCsvBreakdown(
  spend: PeriodSpend,
  summary: StoredSoracomSummary,
  options: SummaryLineOptions = {},
): PeriodSpend {
  const { missing, ...whole } = spend;
  const stillMissing = (missing ?? []).filter((part) => part.endpoint !== SIM_SUMMARIES.label);
  return {
    ...whole,
    lines: [...spend.lines.filter((line) => !line.ResourceId), ...summaryLines(summary, options)],
    sources: [...spend.sources, `s3 ${summary.sourceKey}`],
    ...(stillMissing.length > 0 && { missing: stillMissing }),
  };
}

/**
 * For the check: Soracom readings gain the latest CSV summary of their month, when there is one. Lines
 * per SIM per day only when a budget of the account needs them (`needs.resourceDays`), since a large
 * fleet's month is millions of them.
 */
export function soracomCsvEnricher(store: ObjectStore) {
  return async (account: Account, spend: PeriodSpend, needs: ReadNeeds = {}): Promise<PeriodSpend> => {
    if (account.provider !== 'soracom') return spend;
    const month = yyyymm(monthlyPeriod(spend.BillingPeriodStart, account.timeZone));
    const summary = await latestSummary(store, account.id, month);
    if (!summary || summary.currency !== spend.BillingCurrency) return spend;
    return withCsvBreakdown(
      spend,
      summary,
      needs.resourceDays ? { perDay: { timeZone: account.timeZone } } : {},
    );
  };
}
