import type { SpendLine, SpendReading } from '../../spend/index.ts';
import type { ConnectContext, MonthlyTotal, ReadRequest, SpendSource } from '../types.ts';
import type { FastlyAccount } from './account.ts';
import { FastlyClient } from './client.ts';
import { usageLine } from './lines.ts';
import { monthIndex, utcMonth } from './months.ts';
import { usageMetrics } from './usage.ts';
import { historyV2, invoiceV2, readV2 } from './v2.ts';
import { type FastlyInvoice, historyV3, invoiceV3, readV3 } from './v3.ts';

/** A Fastly account on Billing v3, or on the retired v2 where `api: v2` says so. */
export class FastlySource implements SpendSource {
  private readonly client: FastlyClient;

  constructor(
    private readonly account: FastlyAccount,
    context: ConnectContext,
  ) {
    if (account.api === 'v2' && !account.customerId) {
      throw new Error(
        `fastly account "${account.id}": customerId is required with api: v2 (its paths are /billing/v2/account_customers/{customer_id}/...); add customerId, or use api: v3, which needs none`,
      );
    }
    this.client = new FastlyClient(account, context);
  }

  read(request: ReadRequest): Promise<SpendReading> {
    return this.account.api === 'v2' ? readV2(this.client) : readV3(this.client, request);
  }

  async history(months: number): Promise<MonthlyTotal[]> {
    if (months <= 0) return [];
    const current = monthIndex(utcMonth(this.client.clock.now()));
    const history = this.account.api === 'v2' ? historyV2 : historyV3;
    return history(this.client, current - months, current - 1);
  }

  invoice(invoiceId: string): Promise<FastlyInvoice> {
    return this.account.api === 'v2' ? invoiceV2(this.client, invoiceId) : invoiceV3(this.client, invoiceId);
  }

  async usage(startMonth: string, endMonth: string): Promise<SpendLine[]> {
    const metrics = await usageMetrics(this.client, startMonth, endMonth);
    return metrics.map((metric) => usageLine(metric));
  }
}
