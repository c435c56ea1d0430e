/**
 * Kill Bill cost budgets through the real check, against the simulator, with state in a filesystem
 * store: a team's own upcoming invoice (a listed account) and every customer held to its own cap
 * (accounts: all, each: resource). Each crossing alerts once; the dry runs are asked at most hourly;
 * a customer that cannot be priced costs only its own alerts. The figures are the simulator catalog's
 * tiers worked out by hand.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KillBillSimulator } from '../../dev/simulators/killbill.ts';
import type { Alert } from '../../lib/alerts/alert.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import type { CheckReport } from '../../lib/check/types.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { alertAttributes } from '../../lib/notify/render/sns-message.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { HealthTracker } from '../../lib/state/account-health.ts';
import { FsObjectStore } from '../../lib/state/fs-store.ts';
import { KeptReadings } from '../../lib/state/kept-readings.ts';
import { AlertLedger } from '../../lib/state/ledger.ts';
import { ACME, SUB_API, tenant, UNPRICED } from '../support/killbill-tenant.ts';

const env = {
  KB_USER: 'admin',
  KB_PASSWORD: 'pw-kb-check-5c1',
  KB_KEY: 'tenant-check',
  KB_SECRET: 'kb-secret-check-9e',
};
const config = (baseUrl: string) => `
accounts:
  - id: our-invoice
    provider: killbill
    baseUrl: ${baseUrl}
    accounts: [partner-platform]
    credentials: { username: env:KB_USER, password: env:KB_PASSWORD, apiKey: env:KB_KEY, apiSecret: env:KB_SECRET }
  - id: customers
    provider: killbill
    baseUrl: ${baseUrl}
    accounts: all
    credentials: { username: env:KB_USER, password: env:KB_PASSWORD, apiKey: env:KB_KEY, apiSecret: env:KB_SECRET }
budgets:
  - name: platform-bill
    account: our-invoice
    amount: 1100
    currency: USD
    thresholds:
      - { at: 80% }
      - { at: 100%, severity: critical }
      - { at: 100%, basis: forecast }
  - name: customer-caps
    account: customers
    each: resource
    amount: 2000
    currency: USD
    amountTag: spendwatch-cap
    thresholds:
      - { at: 80% }
      - { at: 100%, severity: critical }
`;

describe('Kill Bill cost budgets through runCheck', () => {
  let sim: KillBillSimulator;
  let dir: string;
  let now: Date;
  const publisher = () => new MemoryPublisher();

  beforeEach(async () => {
    now = new Date('2026-11-23T10:00:00Z');
    sim = new KillBillSimulator(
      tenant(
        { username: env.KB_USER, password: env.KB_PASSWORD, apiKey: env.KB_KEY, apiSecret: env.KB_SECRET },
        () => now,
      ),
    );
    await sim.start();
    dir = await mkdtemp(join(tmpdir(), 'spendwatch-kb-check-'));
  });
  afterEach(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (at: string, out: MemoryPublisher): Promise<CheckReport> => {
    now = new Date(at);
    const store = new FsObjectStore(dir);
    return runCheck(parseConfig(config(sim.url)), {
      clock: { now: () => now },
      logger: memoryLogger(),
      secrets: new SecretResolver([envBackend(env)]),
      publisher: out,
      ledger: new AlertLedger(store),
      health: new HealthTracker(store),
      keptReadings: new KeptReadings(store),
      http: { retry: { maxAttempts: 1, budgetMs: 2_000 } },
    });
  };
  const keys = (out: MemoryPublisher) => out.published.map((a) => a.dedupKey);
  const alertOf = (out: MemoryPublisher, key: string): Alert =>
    out.published.find((a) => a.dedupKey === key)!;

  it('alerts the team’s invoice and each customer over its own cap once per crossing, reading hourly', async () => {
    const first = publisher();
    await run('2026-11-23T10:00:00Z', first);
    expect(keys(first).sort()).toEqual([
      'customer-caps/2026-11/actual-80pct.acme-retail',
      'platform-bill/2026-11/actual-80pct',
      'platform-bill/2026-11/forecast-100pct',
    ]);

    // Partner Platform's upcoming invoice: 1,234,567 calls are 1,000 blocks at 0.40 (400) and 235 at
    // 0.25 (58.75), plus December's 500.00 fee: 958.75, 87.2 % of 1,100.
    const bill = alertOf(first, 'platform-bill/2026-11/actual-80pct');
    expect(bill).toMatchObject({ spent: '958.75', budgetAmount: '1100', percent: '87.2', currency: 'USD' });
    expect(bill.headline).toBe(
      'platform-bill has spent $958.75 of $1,100.00 (87.2%), crossing its 80% threshold',
    );
    // Only the usage grows: 500 + 458.75 × 30 days / 22 days 10 h (538 h) = 500 + 330,300 / 538.
    expect(bill.forecast).toEqual({
      amount: '1113.94',
      method: 'fixed-plus-usage-linear',
      inputs:
        '500 USD fixed charges (recurring and one-time: not projected) + 458.75 USD usage-based in 22.4 of 30 days, projected in a straight line',
    });
    expect(bill.resource).toBeUndefined();
    expect(alertAttributes(bill).customer).toBeUndefined();

    // Acme Retail: 2,800,001 calls are 400 + 1,801 blocks at 0.25 (450.25) = 850.25, 85.0 % of the
    // 1,000 its custom field names (not the budget's 2,000).
    const acme = alertOf(first, 'customer-caps/2026-11/actual-80pct.acme-retail');
    expect([acme.spent, acme.budgetAmount, acme.percent]).toEqual(['850.25', '1000', '85.0']);
    expect(acme.resource).toEqual({ id: 'acme-retail', name: 'Acme Retail', type: 'customer' });
    expect(acme.headline).toBe(
      'customer-caps: Acme Retail (acme-retail) (spendwatch-cap=1000) spent $850.25 this period, over the 80% per-resource budget of $1,000.00 (its spendwatch-cap); 47.0% of the whole bill',
    );
    // Filter policies can route it to that customer.
    expect(alertAttributes(acme).customer).toEqual({ DataType: 'String', StringValue: 'acme-retail' });
    expect(sim.dryRuns).toHaveLength(4); // Partner for our-invoice; Partner, Acme, Initech for customers

    // Half an hour on, Acme's usage has doubled in Kill Bill, but neither account is due (dry runs: at
    // most hourly): the kept readings are evaluated, and nothing is alerted again.
    sim.options.usage[ACME.sub]!['api-calls']!['2026-11-23'] = 600_000;
    const again = publisher();
    const kept = await run('2026-11-23T10:30:00Z', again);
    expect(kept.accounts.map((a) => a.status === 'ok' && a.keptFrom)).toEqual([
      new Date('2026-11-23T10:00:00Z'),
      new Date('2026-11-23T10:00:00Z'),
    ]);
    expect(keys(again)).toEqual([]);
    expect(sim.dryRuns).toHaveLength(4);

    // The next day both are read again. Partner's 600,000 more calls make 1,834,567: 400 + 835 blocks
    // at 0.25 (208.75) + 500 = 1,108.75, over 1,100. Acme's 3,400,001: 400 + 2,401 × 0.25 (600.25) =
    // 1,000.25, over its cap. Each new crossing once, the old ones not again.
    sim.options.usage[SUB_API]!['api-calls']!['2026-11-24'] = 600_000;
    const next = publisher();
    await run('2026-11-24T10:00:00Z', next);
    expect(keys(next).sort()).toEqual([
      'customer-caps/2026-11/actual-100pct.acme-retail',
      'platform-bill/2026-11/actual-100pct',
    ]);
    expect(alertOf(next, 'platform-bill/2026-11/actual-100pct').spent).toBe('1108.75');
    expect(alertOf(next, 'customer-caps/2026-11/actual-100pct.acme-retail')).toMatchObject({
      spent: '1000.25',
      severity: 'critical',
    });
    expect(sim.dryRuns).toHaveLength(8);
    const quiet = publisher();
    await run('2026-11-24T11:00:00Z', quiet);
    expect(keys(quiet)).toEqual([]);
  });

  it('still alerts the customers it could price when one dry run fails, and says so', async () => {
    sim.options.accounts.push(UNPRICED);
    const out = publisher();
    const report = await run('2026-11-23T10:00:00Z', out);
    const customers = report.accounts.find((a) => a.account.id === 'customers');
    expect(customers).toMatchObject({ status: 'ok', spend: { missing: [{ part: 'resources' }] } });
    const acme = alertOf(out, 'customer-caps/2026-11/actual-80pct.acme-retail');
    expect(acme.details).toContainEqual(
      expect.stringMatching(
        /^Partial reading of customers: no charges of some resources \(POST \/1\.0\/kb\/invoices\/dryRun: 1 of 4 customers could not be priced: euro-gmbh \(HTTP 400: .*\); budgets on the whole account were not evaluated; per-resource budgets hold the others$/,
      ),
    );
    // The team's own invoice, read on its own account, is whole.
    expect(keys(out)).toContain('platform-bill/2026-11/actual-80pct');
  });
});
