/**
 * A month replayed step by step (`--now` style) through the real check: the Soracom client against
 * its simulator, the evaluator, and the ledger on a filesystem store. Ground truth comes from the
 * simulator's own daily figures.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import type { Alert } from '../../lib/alerts/alert.ts';
import { s3ClientFromEnv } from '../../lib/aws/clients.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import type { Config } from '../../lib/config/config.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { forgetSoracomSessions } from '../../lib/providers/soracom/index.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { HealthTracker } from '../../lib/state/account-health.ts';
import { FsObjectStore } from '../../lib/state/fs-store.ts';
import { AlertLedger } from '../../lib/state/ledger.ts';
import { S3ObjectStore } from '../../lib/state/s3-store.ts';
import type { ObjectStore } from '../../lib/state/store.ts';
import { fromLocal } from '../../lib/time/zoned.ts';

const KEYS = { id: 'keyId-month', secret: 'secret-month-authkey' };
// With a real S3 (radosgw in CI) the overlap test also runs against its conditional writes.
const S3_ENDPOINT = process.env.SPENDWATCH_S3_ENDPOINT;
const S3_BUCKET = process.env.SPENDWATCH_S3_TEST_BUCKET ?? 'spendwatch-test';
const s3 = s3ClientFromEnv();
const SPIKE_DAY = 18;
// A smooth ramp (¥900 → ¥1,190 a day) with one runaway day; December burns fast to test re-arming.
const NOVEMBER = monthOfDays('202611', (day) => (day === SPIKE_DAY ? 6000 : 900 + day * 10));
const DECEMBER = monthOfDays('202612', () => 5000);

const CONFIG = `
accounts:
  - id: fleet-jp
    provider: soracom
    coverage: jp
    credentials: { authKeyId: env:KEY_ID, authKey: env:KEY }
budgets:
  - name: fleet
    account: fleet-jp
    amount: 30000
    currency: JPY
    thresholds:
      - { at: 50%, severity: info }
      - { at: 80% }
      - { at: 100%, severity: critical }
      - { at: 100%, basis: forecast }
    anomaly: { minAmount: 1000 }
`;

describe('a simulated month through the real check', () => {
  let sim: SoracomSimulator;
  let now: Date;
  let dir: string;
  let config: Config;

  beforeEach(async () => {
    forgetSoracomSessions();
    now = new Date('2026-11-01T00:00:00Z');
    sim = new SoracomSimulator({
      authKeys: { [KEYS.id]: KEYS.secret },
      now: () => now,
      daily: { ...NOVEMBER, ...DECEMBER },
    });
    await sim.start();
    dir = await mkdtemp(join(tmpdir(), 'spendwatch-month-'));
    config = parseConfig(CONFIG);
    config.accounts[0]!.baseUrl = sim.baseUrl;
  });
  afterEach(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const secrets = new SecretResolver([envBackend({ KEY_ID: KEYS.id, KEY: KEYS.secret })]);
  const check = (store: ObjectStore, publisher: MemoryPublisher, at: Date) =>
    runCheck(config, {
      clock: { now: () => at },
      logger: memoryLogger(),
      secrets,
      publisher,
      ledger: new AlertLedger(store),
      health: new HealthTracker(store),
      http: { retry: { baseDelayMs: 5, maxDelayMs: 20, budgetMs: 5_000 } },
    });

  /** Twice a day, JST noon and 23:00, from Nov 1 to Dec 3. */
  function steps(): Date[] {
    const out: Date[] = [];
    for (const [month, last] of [
      [11, 30],
      [12, 3],
    ] as const) {
      for (let day = 1; day <= last; day++) {
        for (const hour of [12, 23]) out.push(fromLocal({ year: 2026, month, day, hour }, 'Asia/Tokyo'));
      }
    }
    return out;
  }

  /** The JST day on which the month-to-date total first reaches `level` (ground truth from the simulator). */
  function dayReaching(level: number, daily: Record<string, number>): string {
    let total = 0;
    for (const date of Object.keys(daily).sort()) {
      total += daily[date]!;
      if (total >= level) return date;
    }
    return 'never';
  }

  it('alerts each crossing exactly once, anomalies only on the spike, and re-arms next month', async () => {
    const store = new FsObjectStore(dir);
    const publisher = new MemoryPublisher();
    const forecastSeen: { at: Date; forecast?: string }[] = [];
    const alertTimes = new Map<Alert, Date>();
    for (const at of steps()) {
      now = at;
      const before = publisher.published.length;
      const report = await check(store, publisher, at);
      for (const alert of publisher.published.slice(before)) alertTimes.set(alert, at);
      const outcome = report.budgets[0]!;
      if (outcome.status === 'evaluated')
        forecastSeen.push({ at, forecast: outcome.evaluation.forecast?.amount.toFixed() });
    }
    const published = publisher.published;
    const keys = published.map((a) => a.dedupKey);
    expect(new Set(keys).size).toBe(keys.length); // nothing twice

    const jstDate = (alert: Alert) =>
      alertTimes.get(alert)!.toLocaleDateString('sv-SE', { timeZone: 'Asia/Tokyo' }).replaceAll('-', '');
    for (const [id, level] of [
      ['actual-50pct', 15000],
      ['actual-80pct', 24000],
      ['actual-100pct', 30000],
    ] as const) {
      const alert = published.find((a) => a.thresholdId === id && a.periodKey === '2026-11');
      const truth = dayReaching(level, NOVEMBER);
      if (truth === 'never') expect(alert).toBeUndefined();
      else expect(alert && jstDate(alert)).toBe(truth); // within one tick of the crossing day
    }
    const anomalies = published.filter((a) => a.basis === 'anomaly');
    expect(anomalies.map((a) => a.thresholdId)).toEqual([`anomaly-2026-11-${SPIKE_DAY}`]);

    // The forecast alert goes out at the first step whose projection reaches the budget, and not before.
    const forecastAlert = published.find((a) => a.basis === 'forecast' && a.periodKey === '2026-11');
    const firstProjection = forecastSeen.find((f) => f.forecast !== undefined && Number(f.forecast) >= 30000);
    expect(firstProjection).toBeDefined();
    expect(alertTimes.get(forecastAlert!)).toEqual(firstProjection!.at);
    expect(Number(forecastAlert!.observed)).toBeGreaterThanOrEqual(30000);
    // No projection at all in the first days of data (forecastMinDays: 3).
    expect(
      forecastSeen
        .filter((f) => f.at < fromLocal({ year: 2026, month: 11, day: 4 }, 'Asia/Tokyo'))
        .every((f) => f.forecast === undefined),
    ).toBe(true);
    // December re-arms: the 50 % threshold fires again, keyed to the new period.
    const december = published.filter((a) => a.periodKey === '2026-12');
    expect(december.map((a) => a.thresholdId)).toContain('actual-50pct');
    expect(jstDate(december.find((a) => a.thresholdId === 'actual-50pct')!)).toBe(
      dayReaching(15000, DECEMBER),
    );
    expect(forecastSeen.length).toBe(steps().length);
  });

  const overlapping = [
    ['the filesystem store', () => new FsObjectStore(dir)],
    ...(S3_ENDPOINT
      ? [
          [
            `S3 at ${S3_ENDPOINT}`,
            () => new S3ObjectStore({ client: s3, bucket: S3_BUCKET, prefix: `month-${randomUUID()}` }),
          ] as const,
        ]
      : []),
  ] as const;

  it.each(overlapping)('two overlapping runs deliver each crossing once (%s)', async (_name, makeStore) => {
    if (S3_ENDPOINT) await s3.send(new CreateBucketCommand({ Bucket: S3_BUCKET })).catch(() => undefined);
    const store = makeStore();
    const a = new MemoryPublisher();
    const b = new MemoryPublisher();
    const at = fromLocal({ year: 2026, month: 11, day: 25, hour: 12 }, 'Asia/Tokyo');
    now = at;
    await Promise.all([check(store, a, at), check(store, b, at)]);
    const all = [...a.published, ...b.published].map((x) => x.dedupKey).sort();
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(new Set(all).size).toBe(all.length);
  });

  it('a run that died between claim and publish is delivered once, after the lease', async () => {
    const store = new FsObjectStore(dir);
    const at = fromLocal({ year: 2026, month: 11, day: 16, hour: 12 }, 'Asia/Tokyo');
    now = at;
    // The crashed run: it claimed the 50 % crossing and never published nor released it.
    const preview = new MemoryPublisher();
    const dry = await runCheck(
      config,
      { clock: { now: () => at }, logger: memoryLogger(), secrets, publisher: preview },
      { dryRun: true },
    );
    const crashed = dry.suppressed.find((s) => s.alert.thresholdId === 'actual-50pct')!.alert;
    const claim = await new AlertLedger(store).claim(crashed, at, 5 * 60_000);
    expect(claim.outcome).toBe('claimed');

    const withinLease = new MemoryPublisher();
    await check(store, withinLease, new Date(at.getTime() + 60_000));
    expect(withinLease.published.map((x) => x.thresholdId)).not.toContain('actual-50pct');

    const afterLease = new MemoryPublisher();
    await check(store, afterLease, new Date(at.getTime() + 6 * 60_000));
    const retried = afterLease.published.filter((x) => x.thresholdId === 'actual-50pct');
    expect(retried).toHaveLength(1);
    expect(retried[0]!.dedupKey).toBe(crashed.dedupKey);

    const later = new MemoryPublisher();
    await check(store, later, new Date(at.getTime() + 60 * 60_000));
    expect(later.published.map((x) => x.thresholdId)).not.toContain('actual-50pct');
  });
});
