/**
 * The alert ledger: each threshold crossing is delivered once, and never lost when a run crashes.
 *
 * One record per (budget, period, threshold) at `{prefix}state/{budget}/{periodKey}/{thresholdId}.json`.
 * A run first claims the crossing (an atomic create of a `pending` record with a lease), then publishes,
 * then marks it `sent`. Any other run meanwhile sees it in flight and stays quiet. A run that dies
 * between claim and markSent leaves a pending record whose lease runs out; the next run reclaims it
 * (compare-and-swap, so one run only) and delivers again with the same dedupKey. That re-delivery is
 * the one accepted duplicate: subscribers can drop it by dedupKey.
 *
 * Each claim not yet sent also has an empty marker at `{prefix}open/...` (the record's path under
 * `open/` instead of `state/`), written before the claim and deleted once it is sent: a run finds the
 * claims earlier runs abandoned with one list of the markers, instead of listing and reading every
 * budget's records (at two thousand budgets every 15 minutes, those lists alone cost more a month than
 * the Lambdas). A marker whose record is sent or absent is stale (its run died after the claim, or lost
 * the race) and is removed by the next look.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { Alert } from '../alerts/alert.ts';
import { keyPrefix } from './keys.ts';
import type { ObjectStore } from './store.ts';

/** How long a claim keeps other runs away: comfortably longer than one publish with its retries. */
export const DEFAULT_LEASE_MS = 5 * 60_000;

export interface AlertRecord {
  version: 1;
  status: 'pending' | 'sent';
  dedupKey: string;
  /** Random per claim, so a run can tell its own write from another run's. */
  claimId: string;
  claimedAt: string;
  /** Until then a pending record belongs to the run that claimed it. */
  leaseUntil: string;
  /** Claims so far: above 1 means an earlier run may have delivered it already. */
  attempts: number;
  sentAt?: string;
  /** The alert as the claiming run meant to deliver it. */
  alert: Alert;
}

/** Why a claim was granted: a new crossing, a retry after a crashed or failed run, or a record we could not read. */
type ClaimedVia = 'created' | 'lease-expired' | 'corrupt-record';

export type Claim =
  | { outcome: 'claimed'; key: string; version: string; via: ClaimedVia; attempts: number }
  | { outcome: 'already-sent'; record: AlertRecord }
  | { outcome: 'in-flight'; record: AlertRecord };

/** What markSent and releaseForRetry need from a claim. */
export type ClaimToken = Pick<Extract<Claim, { outcome: 'claimed' }>, 'key' | 'version'>;

/** A stored record: valid, or a body that is not a record (`problem` says why). */
export type LedgerEntry =
  | { valid: true; record: AlertRecord; version: string }
  | { valid: false; problem: string; version: string };

const instant = z.iso.datetime({ offset: true });
const alertShape = z.looseObject({
  version: z.literal(1),
  dedupKey: z.string(),
  budget: z.string(),
  periodKey: z.string(),
  thresholdId: z.string(),
});
const alertRecordSchema: z.ZodType<AlertRecord> = z.object({
  version: z.literal(1),
  status: z.enum(['pending', 'sent']),
  dedupKey: z.string().min(1),
  claimId: z.string().min(1),
  claimedAt: instant,
  leaseUntil: instant,
  attempts: z.int().positive(),
  sentAt: instant.optional(),
  alert: z.custom<Alert>((value) => alertShape.safeParse(value).success, 'not an alert'),
});

/** Budget names, period keys and threshold ids are slugs; anything else would be a bug upstream. */
const KEY_PART = /^[A-Za-z0-9][A-Za-z0-9._=-]*$/;
const STATE = 'state/';
const OPEN = 'open/';
/** An abandoned claim older than this is given up: it is about a period long over. */
export const ABANDONED_RETRY_MS = 45 * 86_400_000;
/** Claim attempts when other runs keep winning: only reachable with leases shorter than a round trip. */
const MAX_CLAIM_ROUNDS = 5;

function keyPart(what: string, value: string): string {
  if (!KEY_PART.test(value)) {
    throw new RangeError(`alert state: ${what} ${JSON.stringify(value)} is not a letters-and-digits slug`);
  }
  return value;
}

function serialise(record: AlertRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

export interface AlertLedgerOptions {
  /** Where the `state/` keys live in the store, e.g. "spendwatch/prod/". */
  prefix?: string;
}

export class AlertLedger {
  private readonly store: ObjectStore;
  private readonly prefix: string;

  constructor(store: ObjectStore, options: AlertLedgerOptions = {}) {
    this.store = store;
    this.prefix = keyPrefix(options.prefix);
  }

  keyFor(alert: Pick<Alert, 'budget' | 'periodKey' | 'thresholdId'>): string {
    return `${this.periodPrefix(alert.budget, alert.periodKey)}${keyPart('threshold id', alert.thresholdId)}.json`;
  }

  /**
   * Claims the delivery of `alert`. Only a `claimed` outcome may publish; it must then call markSent,
   * or releaseForRetry when publishing failed. A corrupt record is reclaimed (`via: 'corrupt-record'`,
   * worth a warning): re-delivering beats losing the alert.
   */
  async claim(alert: Alert, now: Date, leaseMs: number = DEFAULT_LEASE_MS): Promise<Claim> {
    const key = this.keyFor(alert);
    let marked = false;
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
      const entry = await this.record(key);
      if (entry?.valid) {
        if (entry.record.status === 'sent') return { outcome: 'already-sent', record: entry.record };
        if (Date.parse(entry.record.leaseUntil) > now.getTime()) {
          return { outcome: 'in-flight', record: entry.record };
        }
      }
      // Before the claim exists: a run that dies after claiming leaves its marker for the next to find.
      if (!marked) await this.store.put(this.openKey(key), '');
      marked = true;
      const record: AlertRecord = {
        version: 1,
        status: 'pending',
        dedupKey: alert.dedupKey,
        claimId: randomUUID(),
        claimedAt: now.toISOString(),
        leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
        attempts: entry?.valid ? entry.record.attempts + 1 : 1,
        alert,
      };
      const body = serialise(record);
      const won = entry
        ? await this.store.replaceIfVersion(key, body, entry.version)
        : await this.store.createIfAbsent(key, body);
      // Lost: another run claimed it first; the next round reads what that run wrote.
      if (!won) continue;
      // The stores report success, not the new version: read it back, and make sure it is still ours
      // (it is not only when another run reclaimed after our lease already ran out).
      const written = await this.store.get(key);
      if (written?.body !== body) continue;
      const via: ClaimedVia = !entry ? 'created' : entry.valid ? 'lease-expired' : 'corrupt-record';
      return { outcome: 'claimed', key, version: written.version, via, attempts: record.attempts };
    }
    throw new Error(`alert state ${key}: other runs kept claiming it; is the lease shorter than a request?`);
  }

  /**
   * Records the delivery. False when the record changed since the claim: another run reclaimed it after
   * our lease ran out, so the alert may have gone out twice (same dedupKey); nothing more to do.
   */
  async markSent(claim: ClaimToken, now: Date): Promise<boolean> {
    const ours = await this.update(claim, (record) => ({
      ...record,
      status: 'sent',
      sentAt: now.toISOString(),
    }));
    // A marker left behind is only stale: the next look at abandoned claims reads the record and removes it.
    if (ours) await this.store.delete(this.openKey(claim.key)).catch(() => undefined);
    return ours;
  }

  /** After a failed publish: still pending, but with the lease over so the next run retries at once. */
  releaseForRetry(claim: ClaimToken, now: Date): Promise<boolean> {
    return this.update(claim, (record) => ({ ...record, leaseUntil: now.toISOString() }));
  }

  /** The alert most recently delivered for `budget` in the period (corrupt records are skipped). */
  async lastSent(budget: string, periodKey: string): Promise<Alert | undefined> {
    const keys = await this.store.list(this.periodPrefix(budget, periodKey));
    const entries = await Promise.all(keys.map((key) => this.record(key)));
    let latest: AlertRecord | undefined;
    for (const entry of entries) {
      if (!entry?.valid || entry.record.status !== 'sent') continue;
      const at = (record: AlertRecord) => Date.parse(record.sentAt ?? record.claimedAt);
      if (!latest || at(entry.record) > at(latest)) latest = entry.record;
    }
    return latest?.alert;
  }

  /**
   * Alerts claimed but never marked sent whose lease has run out, of the budgets `inScope` accepts:
   * their run died before publishing, or its publish failed. They must still go out even when the
   * crossing is no longer seen (a correction lowered the figure, the month ended), so each run delivers
   * them from the record. Claims older than ABANDONED_RETRY_MS are `givenUp` (and forgotten).
   */
  async abandoned(
    now: Date,
    inScope: (alert: Pick<Alert, 'budget' | 'periodKey'>) => boolean,
  ): Promise<{ retry: Alert[]; givenUp: Alert[] }> {
    const markers = await this.store.list(`${this.prefix}${OPEN}`);
    const found = { retry: [] as Alert[], givenUp: [] as Alert[] };
    await Promise.all(
      markers.map(async (marker) => {
        const key = `${this.prefix}${STATE}${marker.slice(this.prefix.length + OPEN.length)}`;
        const entry = await this.record(key);
        if (!entry?.valid || entry.record.status === 'sent') {
          // Stale (sent, or never claimed), or a corrupt record, which the next claim of it repairs.
          if (!entry || entry.valid) await this.store.delete(marker);
          return;
        }
        const { record } = entry;
        if (Date.parse(record.leaseUntil) > now.getTime() || !inScope(record.alert)) return;
        if (now.getTime() - Date.parse(record.claimedAt) > ABANDONED_RETRY_MS) {
          found.givenUp.push(record.alert);
          await this.store.delete(marker);
          return;
        }
        found.retry.push(record.alert);
      }),
    );
    // Markers are listed in key order; keep it for the deliveries (Promise.all settles in any order).
    const byKey = (a: Alert, b: Alert) => this.keyFor(a).localeCompare(this.keyFor(b));
    return { retry: found.retry.sort(byKey), givenUp: found.givenUp.sort(byKey) };
  }

  /** The record at `key`, undefined when there is none. */
  async record(key: string): Promise<LedgerEntry | undefined> {
    const stored = await this.store.get(key);
    if (!stored) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(stored.body);
    } catch {
      return { valid: false, problem: 'not JSON', version: stored.version };
    }
    const parsed = alertRecordSchema.safeParse(json);
    if (!parsed.success) {
      return { valid: false, problem: z.prettifyError(parsed.error), version: stored.version };
    }
    return { valid: true, record: parsed.data, version: stored.version };
  }

  private openKey(recordKey: string): string {
    return `${this.prefix}${OPEN}${recordKey.slice(this.prefix.length + STATE.length)}`;
  }

  private periodPrefix(budget: string, periodKey: string): string {
    return `${this.prefix}${STATE}${keyPart('budget', budget)}/${keyPart('period key', periodKey)}/`;
  }

  private async update(claim: ClaimToken, change: (record: AlertRecord) => AlertRecord): Promise<boolean> {
    const entry = await this.record(claim.key);
    if (!entry?.valid || entry.version !== claim.version) return false;
    return this.store.replaceIfVersion(claim.key, serialise(change(entry.record)), claim.version);
  }
}
