/**
 * Each account's health (health/{account}.json, next to the alert state): when it was last read, since
 * when it fails and with what error, and whether its monitoring-gap alert was raised, so the check
 * raises one gap alert per failing streak and one "recovered" notice when data returns.
 */
import { redactor } from '../log/redact.ts';
import type { ObjectStore } from './store.ts';

export interface AccountHealth {
  version: 1;
  account: string;
  lastOkAt?: string;
  /** First failure of the current failing streak; unset while healthy. */
  failingSince?: string;
  lastError?: string;
  lastErrorAt?: string;
  /** Set once the gap alert for this streak has been raised. */
  gapRaisedAt?: string;
}

export type HealthChange =
  | { kind: 'gap'; health: AccountHealth }
  | { kind: 'recovered'; health: AccountHealth }
  | undefined;

export class HealthTracker {
  constructor(
    private readonly store: ObjectStore,
    private readonly prefix = 'health/',
  ) {}

  /** Records a good read; returns "recovered" when a raised gap closes. */
  async recordOk(account: string, now: Date): Promise<HealthChange> {
    const previous = await this.read(account);
    await this.write({ version: 1, account, lastOkAt: now.toISOString() });
    if (previous?.gapRaisedAt)
      return { kind: 'recovered', health: { ...previous, lastOkAt: now.toISOString() } };
    return undefined;
  }

  /** Records a failed read; returns "gap" the first time the streak outlasts `gapAfterMs`. */
  async recordFailure(account: string, error: string, now: Date, gapAfterMs: number): Promise<HealthChange> {
    const previous = await this.read(account);
    const health: AccountHealth = {
      version: 1,
      account,
      lastOkAt: previous?.lastOkAt,
      failingSince: previous?.failingSince ?? now.toISOString(),
      lastError: redactor.redact(error),
      lastErrorAt: now.toISOString(),
      gapRaisedAt: previous?.gapRaisedAt,
    };
    const raise = !health.gapRaisedAt && now.getTime() - Date.parse(health.failingSince!) >= gapAfterMs;
    if (raise) health.gapRaisedAt = now.toISOString();
    await this.write(health);
    return raise ? { kind: 'gap', health } : undefined;
  }

  private async read(account: string): Promise<AccountHealth | undefined> {
    const object = await this.store.get(this.key(account));
    if (!object) return undefined;
    try {
      return JSON.parse(object.body) as AccountHealth;
    } catch {
      return undefined; // a corrupt record is rebuilt from the next read
    }
  }

  private write(health: AccountHealth): Promise<void> {
    return this.store.put(this.key(health.account), `${JSON.stringify(health)}\n`);
  }

  private key(account: string): string {
    return `${this.prefix}${encodeURIComponent(account)}.json`;
  }
}
