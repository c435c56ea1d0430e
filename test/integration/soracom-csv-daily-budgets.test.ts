/**
 * Daily per-SIM budgets from the billing CSV ("SIMs tagged fleet=A over ¥500 a day"), over real HTTP:
 * the Soracom simulator's export → S3 (local emulator) → the ingest → the check. The enricher gives
 * lines per SIM per day only when a budget needs them; period budgets see the same figures either way.
 */

import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingCsv, monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import { readEnvironment } from '../../lib/aws/environment.ts';
import { measuredSpend } from '../../lib/budgets/status.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import type { BudgetOutcome } from '../../lib/check/types.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { currencyCode } from '../../lib/money/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { soracomCsvEnricher, summaryLines } from '../../lib/providers/soracom/billing-csv/breakdown.ts';
import { latestSummary } from '../../lib/providers/soracom/billing-csv/summaries.ts';
import { forgetSoracomSessions } from '../../lib/providers/soracom/index.ts';
import { csvIngestJob } from '../../lib/runtime/csv-ingest.ts';
import { soracomExportJob } from '../../lib/runtime/soracom-export.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { AlertLedger } from '../../lib/state/ledger.ts';
import { MemoryObjectStore } from '../../lib/state/memory-store.ts';
import { S3ObjectStore } from '../../lib/state/s3-store.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { localBucket } from '../support/local-bucket.ts';
import { dataUsageRow, soracomAccount } from '../support/soracom-check-world.ts';

const NOW = fixedClock('2026-11-23T03:30:00Z'); // 12:30 on the 23rd in Tokyo
const RUNAWAY = '440103125380001';
const BUCKET = 'spendwatch-daily';
const data = dataUsageRow;
const basicFee = (imsi: string, tags: Record<string, string>) => ({
  imsi,
  date: '202611',
  billItemName: 'Basic fee (plan-D)',
  unitPrice: '330',
  quantity: '1',
  amount: '330',
  ...tags,
});
const FLEET_A = { 'tag:fleet': 'A', 'tag:site': 'Osaka, "B" yard' };
const rows = [
  // Fleet A: the runaway SIM burns ¥2,400 on the 21st, its neighbour ¥300 a day.
  data(RUNAWAY, 20, 300, FLEET_A),
  data(RUNAWAY, 21, 2400, FLEET_A),
  data(RUNAWAY, 22, 300, FLEET_A),
  basicFee(RUNAWAY, FLEET_A),
  ...[20, 21, 22].map((day) => data('440103125380002', day, 300, { 'tag:fleet': 'A' })),
  basicFee('440103125380002', { 'tag:fleet': 'A' }),
  // Fleet B is over ¥500 on a day too, but out of the daily budget's scope.
  data('440103125380003', 21, 900, { 'tag:fleet': 'B' }),
];

const NO_BUDGETS = ' []';
const PERIOD_BUDGETS = `
  - name: any-sim
    account: fleet-jp
    each: resource
    amount: 3000
    currency: JPY
    thresholds: [{ at: 100%, severity: critical }]
  - name: fleet-a
    account: fleet-jp
    scope: { tags: { "tag:fleet": A } }
    amount: 5000
    currency: JPY
    thresholds: [{ at: 50% }]
`;
const DAILY_BUDGET = `
  - name: fleet-a-daily
    description: No fleet A SIM over ¥500 a day
    account: fleet-jp
    each: resource
    window: day
    scope: { tags: { "tag:fleet": A } }
    amount: 500
    currency: JPY
    thresholds: [{ at: 100%, severity: critical }]
`;

describe('daily per-SIM budgets from the billing CSV', () => {
  let fauxqs: FauxqsServer;
  let sim: SoracomSimulator;
  let store: S3ObjectStore;
  const secrets = new SecretResolver([envBackend({ KEY_ID: 'keyId-daily', KEY: 'secret-daily-authkey' })]);
  const config = (budgets: string) =>
    parseConfig(`accounts:
${soracomAccount(sim.baseUrl)}
budgets:${budgets}`);

  beforeAll(async () => {
    forgetSoracomSessions();
    fauxqs = await startFauxqs({ port: 0, logger: false });
    sim = new SoracomSimulator({
      authKeys: { 'keyId-daily': 'secret-daily-authkey' },
      now: () => NOW.now(),
      daily: monthOfDays('202611', (day) => (day <= 23 ? 400 : 0)),
      exportCsv: billingCsv(rows),
    });
    await sim.start();
    const { env, s3 } = await localBucket(fauxqs.address, BUCKET);
    const jobs = {
      env: readEnvironment(env),
      s3,
      clock: NOW,
      logger: memoryLogger(),
      secrets,
      // A daily budget on the account makes the ingest keep each SIM's amount per day.
      config: async () => config(PERIOD_BUDGETS + DAILY_BUDGET),
      http: { sleep: () => Promise.resolve() },
    };
    const { exported } = await soracomExportJob(jobs)();
    await csvIngestJob(jobs)({
      Records: exported.map((key) => ({
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: BUCKET }, object: { key } },
      })),
    });
    store = new S3ObjectStore({ client: s3, bucket: BUCKET, prefix: 'spendwatch/' });
  });
  afterAll(async () => {
    await sim.stop();
    await fauxqs.stop();
  });

  it('alerts once on the SIM that crossed its daily budget, naming it, its tags and the day', async () => {
    const ledger = new AlertLedger(new MemoryObjectStore());
    const publisher = new MemoryPublisher();
    const run = () =>
      runCheck(config(DAILY_BUDGET), {
        clock: NOW,
        logger: memoryLogger(),
        secrets,
        publisher,
        ledger,
        enrich: soracomCsvEnricher(store),
      });
    const first = await run();
    expect(first.delivered.map((a) => a.thresholdId)).toEqual([`actual-100pct.${RUNAWAY}.2026-11-21`]);
    expect(first.delivered[0]!.headline).toBe(
      `fleet-a-daily: ${RUNAWAY} (tag:fleet=A, tag:site=Osaka, "B" yard) spent ¥2,400 on 2026-11-21, over the 100% per-resource budget of ¥500; 26.1% of the whole bill`,
    );
    const second = await run();
    expect(second.delivered).toEqual([]);
    expect(second.suppressed.map((s) => s.reason)).toEqual(['already-sent']);
    expect(publisher.published).toHaveLength(1);
  });

  it('leaves the figures of period budgets unchanged when daily lines are built', async () => {
    const figures = (budgets: BudgetOutcome[]) =>
      budgets
        .filter((b) => b.budget !== 'fleet-a-daily')
        .map((b) => {
          if (b.status !== 'evaluated') throw new Error(`${b.budget}: ${b.status}`);
          const { percent, crossings, contributors, forecast } = b.evaluation;
          return {
            budget: b.budget,
            // What the budget is held against: the largest SIM's month for any-sim.
            spent: measuredSpend(b.evaluation).toFixed(),
            percent: percent.toFixed(1),
            crossings: crossings.map((c) => [c.id, c.observed.toFixed()]),
            contributors,
            forecast: forecast?.amount.toFixed(),
          };
        });
    const check = (budgets: string) =>
      runCheck(
        config(budgets),
        {
          clock: NOW,
          logger: memoryLogger(),
          secrets,
          publisher: new MemoryPublisher(),
          enrich: soracomCsvEnricher(store),
        },
        { dryRun: true },
      );
    const alone = figures((await check(PERIOD_BUDGETS)).budgets);
    const withDaily = figures((await check(PERIOD_BUDGETS + DAILY_BUDGET)).budgets);
    expect(withDaily).toEqual(alone);
    // The runaway SIM's month: its days plus the monthly basic fee; fleet A's both SIMs.
    expect(alone).toMatchObject([
      { budget: 'any-sim', spent: '3330', crossings: [[`actual-100pct.${RUNAWAY}`, '3330']] },
      { budget: 'fleet-a', spent: '4560' },
    ]);
  });

  it('builds per-day lines only when asked, and keeps monthly-dated rows as an undated line', async () => {
    const summary = (await latestSummary(store, 'fleet-jp', '202611'))!;
    expect(summaryLines(summary)).toHaveLength(3);
    const daily = summaryLines(summary, { perDay: { timeZone: 'Asia/Tokyo' } });
    const runaway = daily.filter((line) => line.ResourceId === RUNAWAY);
    expect(
      runaway.map((line) => [line.ChargePeriodStart?.toISOString(), line.BilledCost?.toString()]),
    ).toEqual([
      ['2026-11-19T15:00:00.000Z', '300 JPY'],
      ['2026-11-20T15:00:00.000Z', '2400 JPY'],
      ['2026-11-21T15:00:00.000Z', '300 JPY'],
      [undefined, '330 JPY'],
    ]);
    expect(runaway[1]!.ChargePeriodEnd?.toISOString()).toBe('2026-11-21T15:00:00.000Z');
    // A SIM with no monthly-dated rows gets no zero line.
    expect(daily.filter((line) => line.ResourceId === '440103125380003')).toHaveLength(1);

    // The check's enricher builds them only for an account whose budgets need daily windows.
    const account = config(NO_BUDGETS).accounts[0]!;
    const spend = {
      provider: 'soracom',
      accountId: account.id,
      BillingPeriodStart: new Date('2026-10-31T15:00:00Z'),
      BillingPeriodEnd: new Date('2026-11-30T15:00:00Z'),
      asOf: NOW.now(),
      BillingCurrency: currencyCode('JPY'),
      lines: [],
      sources: [],
    };
    const enrich = soracomCsvEnricher(store);
    expect((await enrich(account, spend, { breakdown: true })).lines).toHaveLength(3);
    expect((await enrich(account, spend, { resourceDays: true })).lines).toEqual(daily);
  });
});
