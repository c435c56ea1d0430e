/**
 * The one alert model every channel renders (email text, Slack blocks, JSON for Lambda/SQS/HTTPS
 * subscribers, `check --json`). Plain JSON: amounts are exact decimal strings in `unit`.
 */
import type { Severity } from '../budgets/budget.ts';
import type { Contributor } from '../budgets/status.ts';

type AlertBasis = 'actual' | 'forecast' | 'pace' | 'anomaly' | 'gap';

export interface Alert {
  version: 1;
  /** Stable per (budget, period, threshold): subscribers drop the rare duplicate by it. */
  dedupKey: string;
  /**
   * "crossed": a threshold reached; "back-under": a forecast fell back below; "gap"/"recovered":
   * monitoring of an account; "broken": a budget that cannot be evaluated (its config or its data);
   * "action": a guardrail action carried out, failed, refused or undone (`action` says which).
   */
  event: 'crossed' | 'back-under' | 'gap' | 'recovered' | 'broken' | 'action';
  budget: string;
  /** Account id, or ids joined by "," for a group budget. */
  account: string;
  accounts: string[];
  /** Provider name, or names joined by "," for a group spanning providers. */
  provider: string;
  /** The threshold as written in the config ("80%", "25000"); "anomaly" or "gap" for those rules. */
  threshold: string;
  thresholdId: string;
  basis: AlertBasis;
  severity: Severity;
  measure: 'cost' | 'usage';
  /** ISO 4217 code, on cost alerts only (usage and monitoring alerts have none). */
  currency?: string;
  /** What every amount is in: the currency of a cost alert, the counted unit of a usage alert. */
  unit: string;
  /** Spend to date in the period, exact decimal. */
  spent: string;
  /** The budget's amount; a per-resource alert's is the amount its resource is held to. */
  budgetAmount: string;
  /** spent / budget in percent, one decimal. */
  percent: string;
  /** The value compared with the threshold (spend, forecast, pace gap or the day's spend). */
  observed: string;
  forecast?: { amount: string; method: string; inputs: string };
  periodKey: string;
  periodStart: string;
  periodEnd: string;
  /** How fresh the provider's figure is. */
  asOf: string;
  detectedAt: string;
  contributors: Contributor[];
  /**
   * A per-resource alert's resource: its id (a SIM's IMSI, a Kill Bill customer's external key), name
   * and kind ("customer"). A customer's alert carries its id as the `customer` message attribute.
   */
  resource?: { id: string; name?: string; type?: string };
  /** Since the last alert delivered for this budget in this period. */
  sinceLast?: { threshold: string; spent: string; at: string };
  /** The guardrail actions of the threshold crossed: as planned when built, as handled when delivered. */
  actions?: AlertAction[];
  /** On an "action" notice: what was done. */
  action?: ActionNotice;
  /** One line a person reads first. */
  headline: string;
  /** Further plain-text lines (anomaly baseline, gap's last error...). */
  details: string[];
}

/** A guardrail action as a crossing's alert carries it. */
export interface AlertAction {
  /** The action record's id (`spendwatch actions approve ID`); set once handled. */
  id?: string;
  kind: string;
  approval: 'manual' | 'auto';
  params: Record<string, unknown>;
  allow?: { groups?: string[]; tags?: Record<string, string> };
  /**
   * planned: as built, not yet handled; awaiting-approval: approve by the link (or the CLI);
   * proposed-only: nothing will run, `note` says why; executed, failed, refused: the check acted
   * (automatic approval); would-propose, would-act: a dry run's preview.
   */
  status:
    | 'planned'
    | 'awaiting-approval'
    | 'proposed-only'
    | 'executed'
    | 'failed'
    | 'refused'
    | 'would-propose'
    | 'would-act';
  /** Why the reading it would act on does not allow acting (stale, partial), set when built. */
  hold?: string;
  description?: string;
  note?: string;
  approveUrl?: string;
  undoUrl?: string;
  /** When the link it carries stops working. */
  linkExpiresAt?: string;
}

/** What an "action" notice reports. */
export interface ActionNotice {
  id: string;
  kind: string;
  description: string;
  outcome: 'executed' | 'failed' | 'refused' | 'undone' | 'undo-failed';
  /** The target's state before and after, in words. */
  before?: string;
  after?: string;
  /** Who: "the check (automatic)", "an Approve link from 203.0.113.7", "operator alice (CLI)". */
  by: string;
  reason?: string;
  undoUrl?: string;
  undoExpiresAt?: string;
}
