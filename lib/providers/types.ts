import type { z } from 'zod';
import type { ProviderHttpOptions } from '../http/index.ts';
import type { Logger } from '../log/index.ts';
import type { Money } from '../money/index.ts';
import type { SpendReading } from '../spend/index.ts';
import type { Clock } from '../time/clock.ts';
import type { Period } from '../time/period.ts';

/** What the budgets reading an account need from it; a source fetches only that. */
export interface ReadNeeds {
  /** A cost per day of the period (forecasts, anomaly rules). */
  daily?: boolean;
  /** Per-service / per-item / per-resource lines (scoped budgets, top contributors). */
  breakdown?: boolean;
  /** Usage quantities by unit (usage budgets), e.g. Kill Bill unit types, Fastly usage types. */
  usage?: boolean;
  /** Each resource's cost per local day (per-resource budgets with `window: day`). */
  resourceDays?: boolean;
}

export interface ReadRequest {
  /**
   * The calendar period (in the account's time zone) the budgets want. Sources whose API takes a
   * date range use it; sources with a native billing cycle report that cycle in the spend.
   */
  period: Period;
  needs: ReadNeeds;
}

/** A closed (or still open) month's total, for last-month figures and history baselines. */
export interface MonthlyTotal {
  /** "2026-10" */
  month: string;
  BilledCost: Money;
  closed: boolean;
}

/** A connected account: reads the current billing period's spend. Never returns zero for "not ready". */
export interface SpendSource {
  read(request: ReadRequest): Promise<SpendReading>;
  /** Totals of the last `months` months before the current one, newest first, where the provider has them. */
  history?(months: number): Promise<MonthlyTotal[]>;
}

/** Fields every account has, whatever the provider. */
export interface AccountBase {
  id: string;
  provider: string;
  baseUrl?: string;
  timeZone: string;
}

export interface ConnectContext {
  clock: Clock;
  logger: Logger;
  /** Credentials already resolved from their references (env:/ssm:/secretsmanager:). */
  credentials: Record<string, string>;
  /** HTTP settings shared by every provider (timeouts, retry budget, test hooks). */
  http: Pick<ProviderHttpOptions, 'timeoutMs' | 'retry' | 'sleep' | 'random' | 'fetch'>;
}

/**
 * A provider adapter: one folder under lib/providers, one line in the registry. `account` is the
 * schema of its provider-specific config fields (including `credentials`), merged into the config
 * schema, so a typo in any account is reported like any other config error.
 */
export interface ProviderModule<Account extends z.ZodObject = z.ZodObject> {
  name: string;
  account: Account;
  /** The time zone the provider bills in for this account, when the config names none. */
  defaultTimeZone?(account: z.output<Account>): string;
  connect(account: z.output<Account> & AccountBase, context: ConnectContext): SpendSource;
}
