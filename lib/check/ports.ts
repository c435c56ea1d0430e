import type { Alert } from '../alerts/alert.ts';

/** A claim on delivering one alert (see lib/state/ledger.ts). */
export type Claim =
  | { outcome: 'claimed'; key: string; version: string }
  | { outcome: 'already-sent'; record: unknown }
  | { outcome: 'in-flight'; record: unknown };

export type ClaimedAlert = Extract<Claim, { outcome: 'claimed' }>;

/** What the check needs from the alert ledger: once-per-crossing delivery that survives crashes. */
export interface DeliveryLedger {
  claim(alert: Alert, now: Date, leaseMs: number): Promise<Claim>;
  markSent(claim: ClaimedAlert, now: Date): Promise<boolean>;
  releaseForRetry(claim: ClaimedAlert, now: Date): Promise<unknown>;
  lastSent(budget: string, periodKey: string): Promise<Alert | undefined>;
}
