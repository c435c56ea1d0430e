/**
 * The last good reading of each account (snapshots/{account}.json), for accounts read less often
 * than the check runs (`readEveryMinutes`): between reads the check evaluates the kept snapshot,
 * whose `asOf` still says how old the provider's figure is.
 */
import { snapshotFromJson } from '../spend/codec.ts';
import type { SpendSnapshot } from '../spend/index.ts';
import type { ObjectStore } from './store.ts';

export interface KeptReading {
  /** When the account was read (not the provider's asOf). */
  readAt: Date;
  snapshot: SpendSnapshot;
}

export class SnapshotCache {
  constructor(
    private readonly store: ObjectStore,
    private readonly prefix = 'snapshots/',
  ) {}

  /** The kept reading; undefined when there is none. Throws when the record is unreadable. */
  async get(account: string): Promise<KeptReading | undefined> {
    const object = await this.store.get(this.key(account));
    if (!object) return undefined;
    const { readAt, snapshot } = JSON.parse(object.body) as { readAt: string; snapshot: unknown };
    const at = new Date(readAt);
    if (Number.isNaN(at.getTime())) throw new Error(`snapshot record of "${account}" has no valid readAt`);
    return { readAt: at, snapshot: snapshotFromJson(snapshot) };
  }

  put(account: string, readAt: Date, snapshot: SpendSnapshot): Promise<void> {
    return this.store.put(
      this.key(account),
      `${JSON.stringify({ readAt: readAt.toISOString(), snapshot })}\n`,
    );
  }

  private key(account: string): string {
    return `${this.prefix}${encodeURIComponent(account)}.json`;
  }
}
