/**
 * Each account's health (health/{account}.json, next to the alert state): since when it reads fine, or
 * since when it fails and with what error, and whether its monitoring-gap alert was raised, so the check
 * raises one gap alert per failing streak and one "recovered" notice when data returns.
 *
 * A record changes only when the account's health does (and on every failed read, for the last error):
 * a healthy account costs one read a run and no write, which at a thousand accounts every 15 minutes is
 * the difference between cents and dollars of S3 requests a month.
 */
import { redactor } from '../log/redact.ts';
import type { ObjectStore } from './store.ts';

export interface AccountHealth {
  version: 1;
  account: string;
  /** First good read of the current (or the last) healthy streak. */
  okSince?: string;
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
    // Healthy before and recorded so: nothing to write.
    if (previous?.okSince && !previous.failingSince) return undefined;
    await this.write({ version: 1, account, okSince: now.toISOString() });
    if (previous?.gapRaisedAt)
      return { kind: 'recovered', health: { ...previous, okSince: now.toISOString() } };
    return undefined;
  }

  /** Records a failed read; returns "gap" the first time the streak outlasts `gapAfterMs`. */
  async recordFailure(account: string, error: string, now: Date, gapAfterMs: number): Promise<HealthChange> {
    const previous = await this.read(account);
    const health: AccountHealth = {
      version: 1,
      account,
      okSince: previous?.okSince,
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
