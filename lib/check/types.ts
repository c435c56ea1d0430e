/** What a check needs, what it may be told, and what it reports: shared by its stages and its callers. */
import type { Guardrails } from '../actions/guardrails.ts';
import type { GuardrailSettings } from '../actions/spec.ts';
import type { Alert } from '../alerts/alert.ts';
import type { Budget } from '../budgets/budget.ts';
import type { BudgetStatus } from '../budgets/status.ts';
import type { Account } from '../config/config.ts';
import type { Logger } from '../log/index.ts';
import type { AlertPublisher } from '../notify/publisher.ts';
import type { ConnectContext, ReadNeeds } from '../providers/types.ts';
import type { SecretResolver } from '../secrets/index.ts';
import type { PeriodSpend } from '../spend/index.ts';
import type { HealthTracker } from '../state/account-health.ts';
import type { KeptReadings } from '../state/kept-readings.ts';
import type { AlertLedger } from '../state/ledger.ts';
import type { Clock } from '../time/clock.ts';
import type { CheckMetrics } from './metrics.ts';

/** Where a check run's burn-up report can be read, for as long as its signed address is valid. */
interface ReportLink {
  url: string;
  validForHours: number;
}

export interface CheckDependencies {
  clock: Clock;
  logger: Logger;
  secrets: SecretResolver;
  publisher: AlertPublisher;
  /** Without a ledger every crossing is delivered on every run (stateless preview). */
  ledger?: AlertLedger;
  /** Tracks unreadable accounts for monitoring-gap alerts; without it gaps are only logged. */
  health?: HealthTracker;
  /** Keeps each account's last reading, for accounts with `readEveryMinutes`; without it every run reads. */
  keptReadings?: KeptReadings;
  /** Adds what other pipelines know to a period spend (e.g. the Soracom billing-CSV breakdown), as `needs` asks. */
  enrich?: (account: Account, spend: PeriodSpend, needs: ReadNeeds) => Promise<PeriodSpend>;
  http?: ConnectContext['http'];
  /** Spend, duration, provider errors, gaps and deliveries for dashboards and alarms; none by default. */
  metrics?: CheckMetrics;
  /** Handles the guardrail actions of crossings; without it they are shown as proposed only. */
  guardrails?: Guardrails;
}

export interface CheckOptions {
  /** Evaluate and report, but neither claim nor publish. */
  dryRun?: boolean;
  /** Only these accounts (and the budgets that read only them). */
  accountIds?: string[];
  /** Accounts of each provider read in parallel (the providers are read side by side). */
  concurrency?: number;
  /** How long a claimed alert may stay pending before another run takes it over. */
  leaseMs?: number;
  /** Told after each account read settles (and once with 0 before the first), e.g. for a progress line. */
  onAccountRead?: (done: number, total: number) => void;
  /** A link to this run's burn-up report, put in every alert (the Lambda writes the page to S3). */
  reportLink?: ReportLink;
}

/** What every stage of one check works with: its dependencies, its options and the run's instant. */
export interface CheckContext {
  deps: CheckDependencies;
  options: CheckOptions;
  now: Date;
  /** The config's guardrail settings (mode, limits). */
  guardrails: GuardrailSettings;
}

export type AccountOutcome =
  /** `keptFrom`: not read this run (`readEveryMinutes`); the spend is the reading taken then. */
  | { account: Account; status: 'ok'; spend: PeriodSpend; keptFrom?: Date }
  | { account: Account; status: 'pending'; reason: string; endpoint: string }
  | { account: Account; status: 'error'; error: Error };

/** Skipped and failed budgets keep their definition, so a status page can still show what they watch. */
export type BudgetOutcome =
  | { budget: string; status: 'evaluated'; evaluation: BudgetStatus }
  | { budget: string; status: 'skipped'; reason: string; definition: Budget }
  | { budget: string; status: 'error'; error: Error; definition: Budget };

export interface CheckReport {
  at: Date;
  accounts: AccountOutcome[];
  budgets: BudgetOutcome[];
  /** Published now. */
  delivered: Alert[];
  /** Evaluated as crossed but not sent: already sent earlier, in flight elsewhere, or a dry run. */
  suppressed: { alert: Alert; reason: 'already-sent' | 'in-flight' | 'dry-run' }[];
  /** Not delivered now (its state could not be claimed, or the publish failed): the next run retries. */
  failed: { alert: Alert; error: Error }[];
}
