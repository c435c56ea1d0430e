import { mapLimit } from '../../concurrency/map-limit.ts';
import type { Endpoint, ProviderHttp } from '../../http/index.ts';
import { type Decimal, decimal } from '../../money/index.ts';
import type { SpendLine, SpendReading } from '../../spend/index.ts';
import { localDateKey } from '../../time/zoned.ts';
import type {
  AccountProblem,
  ConfigCheckContext,
  ConnectContext,
  ProviderModule,
  ReadRequest,
  SpendSource,
} from '../types.ts';
import { type KillBillAccount, killbillAccount, killbillHttp, unknownSubscription } from './client.ts';
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

/**
 * Kill Bill usage: quantities per subscription and unit type over the requested period (usage
 * budgets). Kill Bill prices usage only when it invoices, so the spend carries no cost.
 */
export const killbill: ProviderModule<typeof killbillAccount> = {
  name: 'killbill',
  scopes: { resources: 'subscription UUIDs' },
  account: killbillAccount,
  defaultTimeZone: () => 'UTC',
  configProblems: unreadSubscriptionProblems,
  connect: (account, context) => new KillBillUsageSource(account, context),
};

/** A budget reads a Kill Bill account's listed subscriptions: an account it watches must list some. */
function unreadSubscriptionProblems(
  account: Pick<KillBillAccount, 'subscriptions'>,
  { budgets }: ConfigCheckContext,
): AccountProblem[] {
  const watching = budgets[0];
  if (account.subscriptions.length > 0 || !watching) return [];
  return [
    {
      // The field is missing, so the problem points at the account.
      path: [],
      message: `budget "${watching.name}" watches this Kill Bill account, which lists no subscription to read usage for; add subscriptions: [<subscription UUID>, ...]`,
    },
  ];
}

interface UsageQuery {
  subscriptionId: string;
  /** One unit type (GET .../{unitType}), or all of them. */
  unitType?: string;
}

class KillBillUsageSource implements SpendSource {
  private readonly http: ProviderHttp;

  constructor(
    private readonly account: KillBillAccount,
    private readonly context: ConnectContext,
  ) {
    this.http = killbillHttp(account, context);
  }

  async read({ period }: ReadRequest): Promise<SpendReading> {
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
    return {
      status: 'ok',
      spend: {
        provider: 'killbill',
        accountId: this.account.id,
        BillingPeriodStart: period.start,
        BillingPeriodEnd: period.end,
        // Kill Bill rolls usage up from the records as they are now: the figure is live.
        asOf: this.context.clock.now(),
        lines,
        sources: [...new Set(usages.map((usage) => usage.endpoint.label))],
      },
    };
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
