/**
 * Chargeback to Kill Bill, end to end over loopback HTTP: the Soracom simulator's billing-CSV export →
 * S3 (local emulator) → the csv-ingest job → POST /1.0/kb/usages on the Kill Bill simulator, which
 * refuses repeated trackingIds as Kill Bill does. One simulated month, in the order it happens:
 * settled days only, nothing recorded twice, refusals that hold nothing back, a failing Kill Bill,
 * and the closed month's last days from its final exports.
 */
import { Readable } from 'node:stream';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredUsage } from '../../dev/simulators/killbill.ts';
import { KillBillSimulator } from '../../dev/simulators/killbill.ts';
import {
  type BillingCsvRow,
  billingCsv,
  monthOfDays,
  SoracomSimulator,
} from '../../dev/simulators/soracom.ts';
import { s3ClientFromEnv } from '../../lib/aws/clients.ts';
import { readEnvironment } from '../../lib/aws/environment.ts';
import {
  ChargebackWatermarks,
  chargebackTrackingId,
  planChargeback,
} from '../../lib/chargeback/chargeback.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { jsonLogger, Redactor, silentLogger } from '../../lib/log/index.ts';
import type { EmfMetric } from '../../lib/observability/emf.ts';
import { summariseSoracomCsv } from '../../lib/providers/soracom/billing-csv/parser/index.ts';
import { forgetSoracomSessions } from '../../lib/providers/soracom/index.ts';
import { type CsvIngestResult, csvIngestJob, type LambdaContext } from '../../lib/runtime/csv-ingest.ts';
import { soracomExportJob } from '../../lib/runtime/soracom-export.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { MemoryObjectStore } from '../../lib/state/memory-store.ts';
import { S3ObjectStore } from '../../lib/state/s3-store.ts';
import { localDayBounds, pad, toLocal } from '../../lib/time/zoned.ts';
import { leakForms } from '../support/fault-world.ts';
import { localBucket } from '../support/local-bucket.ts';

const BUCKET = 'spendwatch-chargeback';
const OPERATOR = 'OP0012345678';
const SUB_A = '365987b2-5443-47e4-a467-c8962fc6995c';
const SUB_B = '7a3f1c2e-9b4d-4e8a-b6f0-2c1d3e4f5a6b';
const UNKNOWN_SUB = '00000000-1111-4222-8333-444444444444';
const SECRETS = {
  SORACOM_KEY_ID: 'keyId-chargeback',
  SORACOM_KEY: 'secret-chargeback-authkey',
  KB_USERNAME: 'kb-admin',
  KB_PASSWORD: 'kb-password-planted-9Zq',
  KB_API_KEY: 'kb-tenant-key-planted',
  KB_API_SECRET: 'kb-tenant-secret-planted-x7',
};
const TAG = 'tag:kb-subscription';

/** Devices of the fleet and the Kill Bill subscription their tag names (or not). */
const SIM_A = { imsi: '440103125380001', [TAG]: SUB_A, 'tag:fleet': 'A' };
const SIM_B = { imsi: '440103125380002', [TAG]: SUB_B };
const UNTAGGED = { imsi: '440103125380003' };
const UNKNOWN = { imsi: '440103125380004', [TAG]: UNKNOWN_SUB };
const MALFORMED = { imsi: '440103125380005', [TAG]: 'sub-42' };

let now = new Date('2026-11-23T03:30:00Z');

/**
 * The month's CSV as Soracom would serve it at `now`: a day's usage keeps arriving for 12 hours after
 * the day ends (until then its rows carry half the final amounts), and the days ahead have none.
 */
function fleetRows(month: string): BillingCsvRow[] {
  const year = Number(month.slice(0, 4));
  const monthNumber = Number(month.slice(4, 6));
  const rows: BillingCsvRow[] = [];
  for (let day = 1; day <= 31; day++) {
    const date = `${year}-${pad(monthNumber)}-${pad(day)}`;
    if (toLocal(localDayBounds(date, 'Asia/Tokyo').start, 'Asia/Tokyo').month !== monthNumber) break;
    const { start, end } = localDayBounds(date, 'Asia/Tokyo');
    if (now <= start) break;
    const share = now.getTime() >= end.getTime() + 12 * 3_600_000 ? 1 : 0.5;
    const row = (device: Record<string, string>, billItemName: string, amount: number) => ({
      ...device,
      date: date.replaceAll('-', ''),
      billItemName,
      unitPrice: '0.2',
      quantity: String(amount * 5 * share),
      amount: String(amount * share),
    });
    rows.push(row(SIM_A, 'Data usage fee (plan-D)', 100 + day));
    if (day === 20) rows.push(row(SIM_A, 'Free tier discount', -50));
    rows.push(row(SIM_B, 'Data usage fee (plan-D)', 10.5));
    rows.push(row(SIM_B, 'SMS fee', 3.3));
    for (const device of [UNTAGGED, UNKNOWN, MALFORMED]) rows.push(row(device, 'Data usage fee (plan-D)', 7));
  }
  // A monthly-dated row: a monthly fee, never a day's usage.
  rows.push({
    ...SIM_A,
    date: month,
    billItemName: 'Basic fee (plan-D)',
    unitPrice: '330',
    quantity: '1',
    amount: '330',
  });
  return rows;
}

const config = (soracomUrl: string, killbillUrl: string, extra = '') =>
  parseConfig(`accounts:
  - id: fleet-jp
    provider: soracom
    baseUrl: ${soracomUrl}
    credentials: { authKeyId: env:SORACOM_KEY_ID, authKey: env:SORACOM_KEY }
    chargeback:
      killbill: billing
      subscriptionTag: "${TAG}"
      unitType: sim-usage-jpy
      startDate: 2026-11-19${extra}
  - id: billing
    provider: killbill
    baseUrl: ${killbillUrl}
    subscriptions: [${SUB_A}]
    credentials:
      username: env:KB_USERNAME
      password: env:KB_PASSWORD
      apiKey: env:KB_API_KEY
      apiSecret: env:KB_API_SECRET
`);

describe('chargeback to Kill Bill from the billing-CSV exports', () => {
  let fauxqs: FauxqsServer;
  let soracom: SoracomSimulator;
  let killbill: KillBillSimulator;
  let store: S3ObjectStore;
  let env: NodeJS.ProcessEnv;
  /** Every log line as written, before any masking: a secret must not even reach the logger. */
  const lines: string[] = [];
  const errors: Error[] = [];
  const metrics: { metrics: EmfMetric[]; dimensions?: Record<string, string> }[] = [];
  const logger = jsonLogger({ level: 'debug', write: (line) => lines.push(line), redactor: new Redactor() });
  const secrets = new SecretResolver([envBackend(SECRETS)]);
  const clock = { now: () => now };

  /** What the export and ingest jobs run on: the simulators, the emulator's S3, no real waiting. */
  const jobDeps = () => ({
    env: readEnvironment(env),
    s3: s3ClientFromEnv(env),
    clock,
    logger,
    secrets,
    config: async () => config(soracom.baseUrl, killbill.url),
    http: { sleep: () => Promise.resolve(), retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
  });

  /** The export job at `now` (the month in progress, and the closed one early in a month), then the ingest of each export. */
  async function exportAndIngest(
    context?: LambdaContext,
  ): Promise<{ keys: string[]; result: CsvIngestResult }> {
    const { exported } = await soracomExportJob(jobDeps())();
    return { keys: exported, result: await ingest(exported, context) };
  }

  function ingest(keys: string[], context?: LambdaContext): Promise<CsvIngestResult> {
    return csvIngestJob({
      ...jobDeps(),
      metrics: (emitted, dimensions) => metrics.push({ metrics: emitted, dimensions }),
    })(
      {
        Records: keys.map((key) => ({
          eventName: 'ObjectCreated:CompleteMultipartUpload',
          s3: { bucket: { name: BUCKET }, object: { key } },
        })),
      },
      context,
    );
  }

  const recordedOn = (date: string) => killbill.recorded.filter((r) => r.date === date);
  const sortedByTrackingId = (usages: StoredUsage[]) =>
    [...usages].sort((a, b) => a.trackingId.localeCompare(b.trackingId));
  const watermark = async () =>
    (await new ChargebackWatermarks(store).read('fleet-jp', '202611')).recordedThrough;

  beforeAll(async () => {
    forgetSoracomSessions();
    fauxqs = await startFauxqs({ port: 0, logger: false });
    soracom = new SoracomSimulator({
      authKeys: { [SECRETS.SORACOM_KEY_ID]: SECRETS.SORACOM_KEY },
      now: () => now,
      daily: { ...monthOfDays('202611', () => 400), ...monthOfDays('202612', () => 400) },
      exportCsv: (month) => billingCsv(fleetRows(month)),
      exportJob: { processingPolls: 0, outcome: 'exported' },
    });
    killbill = new KillBillSimulator({
      username: SECRETS.KB_USERNAME,
      password: SECRETS.KB_PASSWORD,
      apiKey: SECRETS.KB_API_KEY,
      apiSecret: SECRETS.KB_API_SECRET,
      subscriptions: [SUB_A, SUB_B],
      now: () => now,
    });
    await Promise.all([soracom.start(), killbill.start()]);
    const bucket = await localBucket(fauxqs.address, BUCKET);
    env = bucket.env;
    const s3 = bucket.s3;
    store = new S3ObjectStore({ client: s3, bucket: BUCKET, prefix: 'spendwatch/' });
  });
  afterAll(async () => {
    await Promise.all([soracom.stop(), killbill.stop()]);
    await fauxqs.stop();
  });

  let firstExport: string[] = [];

  it('records the settled days of an export: subscription, unit type, date, amount and trackingId', async () => {
    // 12:30 on the 23rd in Tokyo: the 21st ended 36.5 h ago (settled), the 22nd 12.5 h ago (not yet).
    now = new Date('2026-11-23T03:30:00Z');
    const { keys, result } = await exportAndIngest();
    firstExport = keys;
    expect(result.chargeback).toEqual([
      {
        account: 'fleet-jp',
        killbill: 'billing',
        month: '202611',
        days: ['2026-11-19', '2026-11-20', '2026-11-21'],
        progress: { recordedThrough: '2026-11-21' },
        // Per day: SIM A's data, SIM B's data and SMS; the 20th's discount is skipped; the untagged
        // device is unmapped; the unknown subscription (404) and the malformed tag are refused.
        counts: { recorded: 9, duplicate: 0, skipped: 1, unmapped: 3, failed: 6, retry: 0 },
        incomplete: false,
      },
    ]);
    const trackingId = (device: { imsi: string }, date: string, item: string) =>
      chargebackTrackingId(OPERATOR, { kind: 'imsi', id: device.imsi }, date, item);
    const usage = (
      device: { imsi: string },
      subscriptionId: string,
      item: string,
      amount: string,
    ): StoredUsage => ({
      subscriptionId,
      unitType: 'sim-usage-jpy',
      date: '2026-11-20',
      // Noon of the day for the Kill Bill account (in UTC).
      recordDate: '2026-11-20T12:00:00.000Z',
      amount,
      trackingId: trackingId(device, '2026-11-20', item),
      createdBy: 'spendwatch',
    });
    expect(sortedByTrackingId(recordedOn('2026-11-20'))).toEqual(
      sortedByTrackingId([
        usage(SIM_A, SUB_A, 'Data usage fee (plan-D)', '120'),
        usage(SIM_B, SUB_B, 'Data usage fee (plan-D)', '10.5'),
        usage(SIM_B, SUB_B, 'SMS fee', '3.3'),
      ]),
    );
    expect(killbill.recorded.map((r) => r.date)).not.toContain('2026-11-18'); // before startDate
    expect(recordedOn('2026-11-22')).toEqual([]); // not settled
    expect(await watermark()).toBe('2026-11-21');
    expect(metrics).toEqual([
      {
        dimensions: { Account: 'fleet-jp' },
        metrics: [
          { name: 'ChargebackRecorded', unit: 'Count', value: 9 },
          { name: 'ChargebackDuplicate', unit: 'Count', value: 0 },
          { name: 'ChargebackSkipped', unit: 'Count', value: 1 },
          { name: 'ChargebackUnmapped', unit: 'Count', value: 3 },
          { name: 'ChargebackFailed', unit: 'Count', value: 6 },
          { name: 'ChargebackRetry', unit: 'Count', value: 0 },
        ],
      },
    ]);
    // The stored summary carries no per-item days.
    const summary = await store.get('summaries/soracom/fleet-jp/202611/latest.json');
    expect(summary?.body).not.toContain('itemDays');
  });

  it('reports refused records with the device, the day and the reason, and records the others', () => {
    const refusals = lines
      .map((line) => JSON.parse(line) as Record<string, string>)
      .filter((line) => line.message === 'chargeback record refused; not recorded');
    expect(refusals).toHaveLength(6);
    expect(refusals.find((r) => r.device === UNKNOWN.imsi && r.day === '2026-11-19')).toMatchObject({
      subscription: UNKNOWN_SUB,
      reason: expect.stringContaining(`Kill Bill has no subscription ${UNKNOWN_SUB}`),
    });
    expect(refusals.find((r) => r.device === MALFORMED.imsi && r.day === '2026-11-21')).toMatchObject({
      subscription: 'sub-42',
      reason: `its ${TAG} value is not a Kill Bill subscription UUID`,
    });
  });

  it('records nothing twice: the same export again, even without its watermark', async () => {
    const before = killbill.recorded.length;
    expect((await ingest(firstExport)).chargeback).toEqual([]); // nothing due past the watermark
    await s3ClientFromEnv(env).send(
      new DeleteObjectCommand({ Bucket: BUCKET, Key: 'spendwatch/chargeback/fleet-jp/202611.json' }),
    );
    const [replay] = (await ingest(firstExport)).chargeback;
    // Kill Bill refuses every trackingId it already has.
    expect(replay!.counts).toMatchObject({ recorded: 0, duplicate: 9 });
    expect(killbill.recorded).toHaveLength(before);
    expect(await watermark()).toBe('2026-11-21');
  });

  it('records a day once it has settled, with the usage that arrived after the first export', async () => {
    now = new Date('2026-11-24T03:30:00Z');
    const { result } = await exportAndIngest();
    expect(result.chargeback.map((c) => [c.days, c.counts.recorded])).toEqual([[['2026-11-22'], 3]]);
    // The first export saw half of the 22nd's usage; the day was recorded whole, once settled.
    expect(
      recordedOn('2026-11-22')
        .map((r) => r.amount)
        .sort(),
    ).toEqual(['10.5', '122', '3.3']);
  });

  it('stops before the invocation runs out of time, and leaves the day for the next run', async () => {
    now = new Date('2026-11-25T03:30:00Z');
    const before = killbill.recorded.length;
    const { result } = await exportAndIngest({ getRemainingTimeInMillis: () => 30_000 });
    expect(result.summarised).toHaveLength(1);
    expect(result.chargeback).toMatchObject([
      {
        days: ['2026-11-23'],
        progress: { recordedThrough: '2026-11-22' },
        incomplete: true,
        counts: { recorded: 0 },
      },
    ]);
    expect(killbill.recorded).toHaveLength(before);
  });

  it('leaves the watermark when Kill Bill fails, and the next run completes the day', async () => {
    killbill.inject('/1.0/kb/usages', { kind: 'status', status: 503, body: 'busy' }, 100, 'POST');
    const failure = (await exportAndIngest().catch((error: unknown) => error)) as Error;
    errors.push(failure);
    killbill.clearFaults();
    expect(failure.message).toMatch(
      /^chargeback to Kill Bill incomplete for fleet-jp 202611: Kill Bill failed/,
    );
    expect(await watermark()).toBe('2026-11-22');
    const logged = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((l) => l.level === 'error');
    expect(logged).toMatchObject({ message: expect.stringMatching(/^chargeback incomplete/), recorded: 0 });
    expect(logged!.retry).toBeGreaterThan(0);

    // Lambda's retry (or the next export) goes on from the watermark.
    const latest = (await exportAndIngest()).result.chargeback;
    expect(latest.map((c) => [c.days, c.progress])).toEqual([
      [['2026-11-23'], { recordedThrough: '2026-11-23' }],
    ]);
    expect(recordedOn('2026-11-23')).toHaveLength(3);
  });

  it('records the closed month to its end from its final exports, a few days per run', async () => {
    // Early December: each export run also exports November, now closed, whose days are all final.
    for (const at of ['2026-12-02T03:00:00Z', '2026-12-02T09:00:00Z', '2026-12-02T14:00:00Z']) {
      now = new Date(at);
      await exportAndIngest();
    }
    expect(await watermark()).toBe('2026-11-30');
    const days = [...new Set(killbill.recorded.map((r) => r.date))].sort();
    expect(days).toEqual(Array.from({ length: 12 }, (_, i) => `2026-11-${19 + i}`));
    // Every usage record exactly once, whatever was replayed and retried.
    const ids = killbill.recorded.map((r) => `${r.subscriptionId} ${r.trackingId}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(12 * 3);
    // December's first day has not settled yet: nothing of it is recorded.
    expect(killbill.recorded.some((r) => r.date.startsWith('2026-12'))).toBe(false);
  });

  it('let no credential into any log line or error', () => {
    const basic = Buffer.from(`${SECRETS.KB_USERNAME}:${SECRETS.KB_PASSWORD}`).toString('base64');
    const { KB_USERNAME: _, SORACOM_KEY_ID: __, ...secret } = SECRETS;
    const forms = leakForms([...Object.values(secret), basic]);
    const texts = [...lines, ...errors.map((e) => `${e.message}\n${e.stack}`)];
    expect(forms.filter((form) => texts.some((text) => text.includes(form)))).toEqual([]);
    expect(lines.length).toBeGreaterThan(20);
  });
});

/**
 * Chargeback from one billing CSV straight to a Kill Bill simulator (no S3): `run` plans from the
 * watermark, parses the CSV for the planned days and records them, as csv-ingest does.
 */
function directChargeback(
  kb: KillBillSimulator,
  csv: string,
  { chargeback = '', exportedAt = '2026-11-05T00:00:00Z' } = {},
) {
  const config = parseConfig(`accounts:
  - id: fleet
    provider: soracom
    credentials: { authKeyId: env:K, authKey: env:S }
    chargeback: { killbill: kb, subscriptionTag: "${TAG}", unitType: sim-usage-jpy${chargeback} }
  - id: kb
    provider: killbill
    baseUrl: ${kb.url}
    credentials: { username: env:U, password: env:P, apiKey: env:A, apiSecret: env:B }
`);
  const store = new MemoryObjectStore();
  const clock = { now: () => new Date(exportedAt) };
  const parts = { accountId: 'fleet', month: '202611', operatorId: OPERATOR, exportedAt: clock.now() };
  return {
    /** One ingest; undefined when no day is due. */
    async run(remainingMs?: () => number) {
      const deps = {
        store,
        secrets: new SecretResolver([envBackend({ U: 'u', P: 'p', A: 'k', B: 's' })]),
        clock,
        logger: silentLogger,
        remainingMs,
      };
      const plan = await planChargeback(deps, config, 'exports/x.csv', parts);
      if (!plan) return undefined;
      const summary = await summariseSoracomCsv(Readable.from([Buffer.from(csv)]), {
        currency: 'JPY',
        month: '2026-11',
        itemDays: plan.itemDays,
      });
      return plan.record(summary);
    },
  };
}

const directKillBill = (fields: Partial<ConstructorParameters<typeof KillBillSimulator>[0]> = {}) =>
  new KillBillSimulator({
    username: 'u',
    password: 'p',
    apiKey: 'k',
    apiSecret: 's',
    subscriptions: [SUB_A],
    now: () => new Date('2026-11-05T00:00:00Z'),
    ...fields,
  });

describe('a day too large for one invocation', () => {
  it('is finished by the next run from the last device done, not started over', async () => {
    const kb = directKillBill();
    await kb.start();
    try {
      // Ten SIMs on the 1st, listed in the export out of id order.
      const imsis = Array.from(
        { length: 10 },
        (_, i) => `4401031253800${String((i * 7) % 10).padStart(2, '0')}`,
      );
      const csv = billingCsv(
        imsis.map((imsi) => ({
          imsi,
          date: '20261101',
          billItemName: 'Data usage fee (plan-D)',
          unitPrice: '0.2',
          quantity: '5',
          amount: '1',
          [TAG]: SUB_A,
        })),
      );
      const { run } = directChargeback(kb, csv, { chargeback: ', concurrency: 1' });

      // Time runs out after three devices (one device at a time: the clock is asked before each).
      let asked = 0;
      const first = await run(() => (++asked <= 4 ? 600_000 : 30_000));
      expect(first).toMatchObject({
        incomplete: true,
        counts: { recorded: 3 },
        progress: { partial: { day: '2026-11-01', throughDevice: '440103125380002' } },
      });
      const second = await run();
      expect(second).toMatchObject({
        incomplete: false,
        counts: { recorded: 7, duplicate: 0 },
        // The 2nd and 3rd (settled, planned with the 1st) had no usage.
        progress: { recordedThrough: '2026-11-03' },
      });
      expect(kb.recorded).toHaveLength(10);
    } finally {
      await kb.stop();
    }
  });
});

describe("chargeback on the Kill Bill account's day, for the server's version", () => {
  const HONOLULU_ACCOUNT = '5d0c9e2a-7b41-4f3e-9a6d-2e8b1c4f7a90';
  const DATA = 'Data usage fee (plan-D)';
  const row = (imsi: string, day: number, billItemName: string, amount: string) => ({
    imsi,
    date: `202611${pad(day)}`,
    billItemName,
    unitPrice: '0.1',
    quantity: '1',
    amount,
    [TAG]: SUB_A,
  });

  it('records the 1st of the month on the 1st for a Kill Bill account west of UTC', async () => {
    const kb = directKillBill({
      subscriptions: [],
      accounts: [{ accountId: HONOLULU_ACCOUNT, timeZone: 'Pacific/Honolulu', subscriptions: [SUB_A] }],
    });
    await kb.start();
    try {
      const csv = billingCsv([row(SIM_A.imsi, 1, DATA, '101'), row(SIM_A.imsi, 2, DATA, '102')]);
      const outcome = await directChargeback(kb, csv).run();
      expect(outcome?.counts.recorded).toBe(2);
      expect(kb.recorded.map((r) => [r.recordDate, r.date, r.amount])).toEqual([
        ['2026-11-01T22:00:00.000Z', '2026-11-01', '101'],
        ['2026-11-02T22:00:00.000Z', '2026-11-02', '102'],
      ]);
    } finally {
      await kb.stop();
    }
  });

  it('on 0.22 records whole units that add up to the month rounded half-even, the same on every re-run', async () => {
    const kb = directKillBill({ version: '0.22' });
    await kb.start();
    try {
      const rows = Array.from({ length: 30 }, (_, i) => i + 1).flatMap((day) => [
        row(SIM_A.imsi, day, DATA, day % 3 === 0 ? '12.5' : '7.25'),
        // A day that nets out negative (a credit) is nothing to bill, and no part of the running total.
        row(SIM_B.imsi, day, DATA, day === 10 ? '-0.1' : '0.3'),
        ...(day % 2 === 0 ? [row(SIM_B.imsi, day, 'SMS fee', '1.5')] : []),
      ]);
      // Made after the month closed: every day is final. Chargeback starts on the 3rd.
      const month = () =>
        directChargeback(kb, billingCsv(rows), {
          chargeback: ', startDate: 2026-11-03',
          exportedAt: '2026-12-02T00:00:00Z',
        });
      /** Runs until no day is due, from an empty state store (no watermark) on. */
      const recordAll = async () => {
        const rig = month();
        const outcomes = [];
        for (let outcome = await rig.run(); outcome; outcome = await rig.run()) outcomes.push(outcome);
        return outcomes;
      };
      const outcomes = await recordAll();
      // Three days a run: the 3rd to the 30th.
      expect(outcomes.map((o) => o.days[0])).toEqual(
        Array.from({ length: 10 }, (_, i) => `2026-11-${pad(3 + i * 3)}`),
      );

      const recordsOf = (imsi: string, item: string) =>
        kb.recorded.filter(
          (r) => r.trackingId === chargebackTrackingId(OPERATOR, { kind: 'imsi', id: imsi }, r.date, item),
        );
      const sum = (records: StoredUsage[]) => records.reduce((total, r) => total + Number(r.amount), 0);
      expect(kb.recorded.every((r) => Number.isInteger(Number(r.amount)) && r.recordDate === r.date)).toBe(
        true,
      );
      // SIM A: 10 days of 12.5 and 18 of 7.25 from the 3rd, 255.5 in all, rounded half to even.
      expect(sum(recordsOf(SIM_A.imsi, DATA))).toBe(256);
      // SIM B: 0.3 a day over 27 days is 8.1, recorded on the days it makes a whole unit (by the 7th
      // it is 1.5, which rounds to 2); its SMS, 1.5 every other day, 21.
      expect(recordsOf(SIM_B.imsi, DATA).map((r) => [r.date.slice(8), r.amount])).toEqual(
        [4, 7, 12, 15, 19, 22, 25, 28].map((day) => [pad(day), '1']),
      );
      expect(sum(recordsOf(SIM_B.imsi, 'SMS fee'))).toBe(21);
      expect(kb.recorded).toHaveLength(
        recordsOf(SIM_A.imsi, DATA).length + 8 + recordsOf(SIM_B.imsi, 'SMS fee').length,
      );
      // The version came from nodesInfo, asked once by each run's recorder.
      expect(kb.calls('/1.0/kb/nodesInfo')).toHaveLength(outcomes.length);

      // The watermarks lost: every run again sends the same amounts under the same trackingIds.
      const posted = () =>
        kb
          .calls('/1.0/kb/usages', 'POST')
          .map((call) => JSON.stringify(call.body))
          .sort();
      const firstPass = posted();
      const replays = await recordAll();
      expect(replays.map((o) => o.counts.recorded)).toEqual(replays.map(() => 0));
      expect(replays.reduce((total, o) => total + o.counts.duplicate, 0)).toBe(firstPass.length);
      expect(posted()).toEqual([...firstPass, ...firstPass].sort());
      expect(kb.recorded).toHaveLength(firstPass.length);
    } finally {
      await kb.stop();
    }
  });
});
