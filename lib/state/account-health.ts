/**
 * Self-monitoring: when an account cannot be read for longer than the configured gap, people get
 * one "monitoring gap" alert naming the account and the last error, and one "recovered" notice when
 * data returns. Health records live next to the alert state (health/{account}.json).
 */
import { buildHealthAlert } from '../alerts/health-alert.ts';
import type { Config } from '../config/config.ts';
import { redactor } from '../log/redact.ts';
import type { ObjectStore } from '../state/store.ts';
import { type DeliveryContext, deliver } from './deliver.ts';

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

/**
 * The health stage of a check: records each account read this run as healthy or failing, and delivers
 * the gap or recovered alert when that changes. Only with a tracker, and not on a dry run.
 */
export async function trackHealth(delivery: DeliveryContext, config: Config): Promise<void> {
  const { deps, options, report, now } = delivery;
  const { health } = deps;
  if (!health || options.dryRun) return;
  for (const outcome of report.accounts) {
    const { account } = outcome;
    // Not read this run: nothing new to say about its health.
    if (outcome.status === 'ok' && outcome.keptFrom) continue;
    try {
      const change =
        outcome.status === 'ok'
          ? await health.recordOk(account.id, now)
          : await health.recordFailure(
              account.id,
              outcome.status === 'pending'
                ? `data pending at ${outcome.endpoint}: ${outcome.reason}`
                : outcome.error.message,
              now,
              config.gapAfterHours * 3_600_000,
            );
      if (!change) continue;
      const budgets = config.budgets.filter((b) => b.accountIds.includes(account.id)).map((b) => b.name);
      await deliver(delivery, buildHealthAlert(change, account.provider, budgets, now));
    } catch (error) {
      deps.logger.error('account health could not be recorded', {
        account: account.id,
        error: (error as Error).message,
      });
    }
  }
}
