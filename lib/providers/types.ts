import type { z } from 'zod';
import type { Actuator } from '../actions/actuator.ts';
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
  /** A cost figure (cost budgets): a source that prices on request (Kill Bill's dry runs) does it only then. */
  cost?: boolean;
  /** The tags budgets look at (scope tags, `amountTag`): a source that fetches tags per resource asks for these. */
  tags?: string[];
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
// A type, not an interface: an account of one provider must be assignable to the registry's any-provider account.
export type AccountBase = {
  id: string;
  provider: string;
  baseUrl?: string;
  timeZone: string;
};

export interface ConnectContext {
  clock: Clock;
  logger: Logger;
  /** Credentials already resolved from their references (env:/ssm:/secretsmanager:). */
  credentials: Record<string, string>;
  /** HTTP settings shared by every provider (timeouts, retry budget, test hooks). */
  http: Pick<ProviderHttpOptions, 'timeoutMs' | 'retry' | 'sleep' | 'random' | 'fetch'>;
}

/** A problem a provider finds in one of its accounts' config; `path` is relative to the account. */
export interface AccountProblem {
  path: (string | number)[];
  message: string;
}

/** What a provider's config check sees besides the account, in the config file's terms. */
export interface ConfigCheckContext {
  /** Every account of the config, this one included, in the order they are listed. */
  accounts: readonly Pick<AccountBase, 'id' | 'provider'>[];
  /** The budgets that watch this account, in the order they are listed; `unit` makes one a usage budget. */
  budgets: readonly { name: string; unit?: string; anomaly?: unknown }[];
}

/**
 * What each scope field of a budget matches in this provider's readings, in words for the config
 * author ("bill item categories"); a field left out matches nothing this provider reports, so a
 * budget scoped by it would read zero forever and is refused when the config is checked.
 */
type ScopeFields = Partial<Record<'services' | 'items' | 'resources' | 'tags', string>>;

/**
 * A provider adapter: one folder under lib/providers, one line in the registry. `account` is the
 * schema of its provider-specific config fields (including `credentials`), merged into the config
 * schema, so a typo in any account is reported like any other config error.
 */
export interface ProviderModule<Account extends z.ZodObject = z.ZodObject> {
  /** The `provider` value of its accounts (the literal its account schema's `provider` field takes). */
  name: z.output<Account> extends { provider: infer Name extends string } ? Name : string;
  account: Account;
  /** What a budget's scope fields match in this provider's readings. */
  scopes: ScopeFields;
  /**
   * The currency the account certainly bills in, when its settings say so without asking the provider
   * (Soracom's Japan coverage bills in JPY): a budget in another currency needs a rate.
   */
  knownCurrency?(account: z.output<Account>): string | undefined;
  /** The time zone the provider bills in for this account, when the config names none. */
  defaultTimeZone?(account: z.output<Account>): string;
  /** How often to read the account when its config sets no `readEveryMinutes` (unset: every run). */
  defaultReadEveryMinutes?(account: z.output<Account>): number | undefined;
  /** Rules its account schema cannot express alone: ones that look at other accounts or at the budgets. */
  configProblems?(account: z.output<Account>, context: ConfigCheckContext): AccountProblem[];
  connect(account: z.output<Account> & AccountBase, context: ConnectContext): SpendSource;
  /** Guardrail actions it can carry out, by kind (`do: <provider>.<kind>` in a threshold's actions). */
  actuators?: Record<
    string,
    {
      /** The action's own config fields besides do/approval/allow (e.g. `{ to }`); an empty object when none. */
      params: z.ZodObject;
      /** What it acts on, for config errors and the README: "SIMs of per-SIM budgets". */
      acts: string;
      connect(account: z.output<Account> & AccountBase, context: ConnectContext): Actuator;
    }
  >;
}
