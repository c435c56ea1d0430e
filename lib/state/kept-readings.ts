/**
 * The last good reading of each account (snapshots/{account}.json), for accounts read less often
 * than the check runs (`readEveryMinutes`): between reads the check evaluates the kept reading,
 * whose `asOf` still says how old the provider's figure is.
 */
import { periodSpendFromJson } from '../spend/codec.ts';
import type { PeriodSpend } from '../spend/index.ts';
import type { ObjectStore } from './store.ts';

export interface KeptReading {
  /** When the account was read (not the provider's asOf). */
  readAt: Date;
  spend: PeriodSpend;
}

export class KeptReadings {
  constructor(
    private readonly store: ObjectStore,
    private readonly prefix = 'snapshots/',
  ) {}

  /** The kept reading; undefined when there is none. Throws when the record is unreadable. */
  async get(account: string): Promise<KeptReading | undefined> {
    const object = await this.store.get(this.key(account));
    if (!object) return undefined;
    const { readAt, spend } = JSON.parse(object.body) as { readAt: string; spend: unknown };
    const at = new Date(readAt);
    if (Number.isNaN(at.getTime())) throw new Error(`spend record of "${account}" has no valid readAt`);
    return { readAt: at, spend: periodSpendFromJson(spend) };
  }

  put(account: string, readAt: Date, spend: PeriodSpend): Promise<void> {
    return this.store.put(this.key(account), `${JSON.stringify({ readAt: readAt.toISOString(), spend })}\n`);
  }

  private key(account: string): string {
    return `${this.prefix}${encodeURIComponent(account)}.json`;
  }
}
