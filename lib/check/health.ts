/**
 * Self-monitoring: when an account cannot be read for longer than the configured gap, people get
 * one "monitoring gap" alert naming the account and the last error, and one "recovered" notice when
 * data returns. Health records live next to the alert state (health/{account}.json).
 */
import type { Alert } from '../alerts/alert.ts';
import { MONITORING_BUDGET } from '../budgets/budget.ts';
import { redactor } from '../log/redact.ts';
import type { ObjectStore } from '../state/store.ts';

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

/** The alert for an opened or closed monitoring gap on one account. */
export function buildHealthAlert(
  change: NonNullable<HealthChange>,
  provider: string,
  budgets: string[],
  now: Date,
): Alert {
  const { health } = change;
  const since = health.failingSince ?? now.toISOString();
  const hours = ((now.getTime() - Date.parse(since)) / 3_600_000).toFixed(1);
  const gap = change.kind === 'gap';
  const headline = gap
    ? `spendwatch has not been able to read ${provider} account "${health.account}" for ${hours} h; its budgets are not being checked`
    : `spendwatch reads ${provider} account "${health.account}" again after a ${hours} h gap; its budgets are checked again`;
  return {
    version: 1,
    dedupKey: `${MONITORING_BUDGET}/${health.account}/${since}/${change.kind}`,
    event: gap ? 'gap' : 'recovered',
    // Monitoring alerts are about an account, not a budget: they live under a reserved budget name.
    budget: MONITORING_BUDGET,
    account: health.account,
    accounts: [health.account],
    provider,
    threshold: 'gap',
    thresholdId: `${change.kind}-${since.replace(/[^0-9TZ]/g, '')}`,
    basis: 'gap',
    severity: gap ? 'critical' : 'info',
    measure: 'cost',
    currency: '',
    unit: '',
    spent: '',
    budgetAmount: '',
    percent: '',
    observed: hours,
    periodKey: health.account,
    periodStart: since,
    periodEnd: now.toISOString(),
    asOf: health.lastOkAt ?? since,
    detectedAt: now.toISOString(),
    contributors: [],
    headline,
    details: [
      `Failing since ${since}; last good read ${health.lastOkAt ?? 'never'}`,
      ...(health.lastError ? [`Last error: ${health.lastError}`] : []),
      ...(budgets.length ? [`Budgets affected: ${budgets.join(', ')}`] : []),
    ],
  };
}
