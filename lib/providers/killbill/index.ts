import { mapLimit } from '../../concurrency/map-limit.ts';
import type { Endpoint, ProviderHttp } from '../../http/index.ts';
import { type Decimal, decimal } from '../../money/index.ts';
import type { SpendLine, SpendReading } from '../../spend/index.ts';
import type { Period } from '../../time/period.ts';
import { localDateKey } from '../../time/zoned.ts';
import type {
  AccountProblem,
  ConfigCheckContext,
  ConnectContext,
  ProviderModule,
  ReadRequest,
  SpendSource,
} from '../types.ts';
import { killbillActuators } from './actuators.ts';
import { type KillBillAccount, killbillAccount, killbillHttp, unknownSubscription } from './client.ts';
import { readUpcomingInvoices } from './invoices.ts';
import { RolledUpUsage } from './schemas.ts';

export { killbillAccount } from './client.ts';
export {
  killbillUsageRecorder,
  type RecordUsageResult,
  type UsageRecorder,
  usageTrackingId,
} from './recorder.ts';

// Requests in flight per account: enough to read a few subscriptions at once without crowding the server.
const CONCURRENT_READS = 4;
/** How often an account that prices invoices is read when its config does not say: a dry run is work. */
const DRY_RUN_EVERY_MINUTES = 60;

/**
 * Kill Bill: usage quantities per subscription and unit type over the requested period (usage
 * budgets), and the upcoming invoice of each Kill Bill account it covers, priced by Kill Bill's dry
 * run (cost budgets, per customer with each: resource).
 */
export const killbill: ProviderModule<typeof killbillAccount> = {
  name: 'killbill',
  scopes: {
    resources: "subscription UUIDs (usage), customers' external keys (invoices)",
    services: 'product names (invoices)',
    items: 'invoice items: item type, plan / phase / usage names (invoices)',
    tags: "custom fields of the customer's Kill Bill account (invoices)",
  },
  account: killbillAccount,
  defaultTimeZone: () => 'UTC',
  defaultReadEveryMinutes: (account) => (account.accounts ? DRY_RUN_EVERY_MINUTES : undefined),
  configProblems: unreadBudgetProblems,
  connect: (account, context) => new KillBillSource(account, context),
  actuators: killbillActuators,
};

/**
 * A usage budget reads a Kill Bill account's listed subscriptions, a cost budget the Kill Bill
 * accounts it names: an account they watch must name what they read. An anomaly rule would never
 * find anything in a Kill Bill reading.
 */
function unreadBudgetProblems(
  account: Pick<KillBillAccount, 'subscriptions' | 'accounts'>,
  { budgets }: ConfigCheckContext,
): AccountProblem[] {
  const usage = budgets.find((budget) => budget.unit !== undefined);
  const cost = budgets.find((budget) => budget.unit === undefined);
  const anomaly = budgets.find((budget) => budget.anomaly !== undefined);
  // The fields are missing, so the problems point at the account.
  return [
    ...(usage && account.subscriptions.length === 0
      ? [
          {
            path: [],
            message: `usage budget "${usage.name}" watches this Kill Bill account, which lists no subscription to read usage for; add subscriptions: [<subscription UUID>, ...]`,
          },
        ]
      : []),
    ...(cost && !account.accounts
      ? [
          {
            path: [],
            message: `cost budget "${cost.name}" watches this Kill Bill account, which names no Kill Bill account whose upcoming invoice to price; add accounts: all (every account of the tenant) or accounts: [<account UUID or external key>, ...]`,
          },
        ]
      : []),
    // Kill Bill rolls usage up, and prices it, over the period: no reading has a day to call unusual.
    ...(anomaly
      ? [
          {
            path: [],
            message: `budget "${anomaly.name}" has an anomaly rule, but a Kill Bill reading has no daily series (usage is rolled up and the upcoming invoice priced over the whole period); remove its anomaly rule, thresholds with basis: pace or forecast work without one`,
          },
        ]
      : []),
  ];
}

interface UsageQuery {
  subscriptionId: string;
  /** One unit type (GET .../{unitType}), or all of them. */
  unitType?: string;
}

class KillBillSource implements SpendSource {
  private readonly http: ProviderHttp;

  constructor(
    private readonly account: KillBillAccount,
    private readonly context: ConnectContext,
  ) {
    this.http = killbillHttp(account, context);
  }

  async read({ period, needs }: ReadRequest): Promise<SpendReading> {
    const usage = await this.usageLines(period);
    // Dry runs are asked only for the budgets that need a price: a usage budget alone costs none.
    const invoices =
      this.account.accounts && needs.cost
        ? await readUpcomingInvoices(
            this.http,
            this.context.logger.child({ provider: 'killbill', account: this.account.id }),
            { accounts: this.account.accounts, tags: needs.tags ?? [], createdBy: this.account.createdBy },
          )
        : undefined;
    return {
      status: 'ok',
      spend: {
        provider: 'killbill',
        accountId: this.account.id,
        BillingPeriodStart: period.start,
        BillingPeriodEnd: period.end,
        // Kill Bill rolls usage up, and prices a dry run, from the records as they are now: the figure is live.
        asOf: this.context.clock.now(),
        ...(invoices?.total && { BillingCurrency: invoices.total.currency, BilledCost: invoices.total }),
        lines: [...usage.lines, ...(invoices?.lines ?? [])],
        sources: [...usage.sources, ...(invoices?.sources ?? [])],
        ...(invoices?.missing && { missing: [invoices.missing] }),
      },
    };
  }

  /** Each listed subscription's usage over the period, per unit type. */
  private async usageLines(period: Period): Promise<{ lines: SpendLine[]; sources: string[] }> {
    // endDate is exclusive, so the next period's first day closes the range.
    const range = {
      startDate: localDateKey(period.start, this.account.timeZone),
      endDate: localDateKey(period.end, this.account.timeZone),
    };
    const queries: UsageQuery[] = this.account.subscriptions.flatMap((subscriptionId) =>
      this.account.unitTypes
        ? this.account.unitTypes.map((unitType) => ({ subscriptionId, unitType }))
        : [{ subscriptionId }],
    );
    const results = await mapLimit(queries, CONCURRENT_READS, (query) => this.usage(query, range));
    // A usage total missing a subscription would read as lower usage: fail the account instead.
    const usages = results.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
    const lines: SpendLine[] = usages.flatMap((usage) =>
      [...usage.quantities].map(([unitType, quantity]) => ({
        ResourceId: usage.subscriptionId,
        ConsumedUnit: unitType,
        ConsumedQuantity: quantity,
        ChargePeriodStart: period.start,
        ChargePeriodEnd: period.end,
      })),
    );
    return { lines, sources: [...new Set(usages.map((usage) => usage.endpoint.label))] };
  }

  private async usage(
    { subscriptionId, unitType }: UsageQuery,
    range: { startDate: string; endDate: string },
  ): Promise<{ subscriptionId: string; endpoint: Endpoint; quantities: Map<string, Decimal> }> {
    const base = `/1.0/kb/usages/${encodeURIComponent(subscriptionId)}`;
    const endpoint: Endpoint =
      unitType === undefined
        ? { method: 'GET', path: base, label: 'GET /1.0/kb/usages/{subscriptionId}', searchParams: range }
        : {
            method: 'GET',
            path: `${base}/${encodeURIComponent(unitType)}`,
            label: 'GET /1.0/kb/usages/{subscriptionId}/{unitType}',
            searchParams: range,
          };
    const reply = await this.http.send(endpoint);
    if (reply.status === 404) throw unknownSubscription(this.http, endpoint, subscriptionId, reply.status);
    const usage = this.http.okBody(endpoint, reply, RolledUpUsage);
    const quantities = new Map<string, Decimal>();
    // A unit type asked for by name is reported even when nothing was recorded: Kill Bill then sends no unit.
    if (unitType !== undefined) quantities.set(unitType, decimal(0));
    for (const unit of usage.rolledUpUnits) {
      quantities.set(unit.unitType, (quantities.get(unit.unitType) ?? decimal(0)).plus(decimal(unit.amount)));
    }
    return { subscriptionId, endpoint, quantities };
  }
}
