/**
 * Fastly through the real check: a side call that fails costs only the budgets computed from its
 * part. The cost budget, which needs only the month-to-date figure, still crosses and its alert is
 * delivered with a "Partial reading of" line; a budget scoped to a service is skipped when the
 * per-service usage is missing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { everyDay, FastlySimulator } from '../../dev/simulators/fastly.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import type { BudgetOutcome, CheckReport } from '../../lib/check/types.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
const TOKEN = 'fastly-token-check-7f3a9c';

describe('Fastly partial readings through runCheck', () => {
  let sim: FastlySimulator;

  beforeEach(async () => {
    sim = new FastlySimulator({
      apiTokens: [TOKEN],
      now: () => NOW,
      currency: 'EUR',
      // €12.34 and 100 GB a day: €283.82 and 2,300 GB by Nov 23.
      daily: {
        ...everyDay('2026-10', () => [
          { description: 'North America Bandwidth', amount: 12.34, units: 100, unit: 'GB' },
        ]),
        ...everyDay('2026-11', () => [
          { description: 'North America Bandwidth', amount: 12.34, units: 100, unit: 'GB' },
        ]),
      },
      serviceUsage: [
        {
          usageType: 'North America Bandwidth',
          unit: 'GB',
          byMonth: {
            '2026-11': [
              { service_id: 'svc-www', service_name: 'www', usage_units: 1500 },
              { service_id: 'svc-api', service_name: 'api', usage_units: 300 },
            ],
          },
        },
      ],
    });
    await sim.start();
  });
  afterEach(() => sim.stop());

  const check = async (): Promise<{ report: CheckReport; publisher: MemoryPublisher }> => {
    const config = parseConfig(`
accounts:
  - { id: cdn, provider: fastly, baseUrl: "${sim.url}", currency: EUR, credentials: { apiToken: env:FASTLY_TOKEN } }
budgets:
  - { name: cdn-cost, account: cdn, amount: 400, currency: EUR, thresholds: [{ at: 50% }] }
  - { name: www-bandwidth, account: cdn, amount: 1000, unit: GB, scope: { resources: [svc-www] }, thresholds: [{ at: 100% }] }
  - { name: all-bandwidth, account: cdn, amount: 4000, unit: GB, thresholds: [{ at: 50% }] }
`);
    const publisher = new MemoryPublisher();
    const report = await runCheck(config, {
      clock: { now: () => NOW },
      logger: memoryLogger(),
      secrets: new SecretResolver([envBackend({ FASTLY_TOKEN: TOKEN })]),
      publisher,
      http: { retry: { baseDelayMs: 1, maxDelayMs: 5, budgetMs: 5_000 } },
    });
    return { report, publisher };
  };
  const outcome = (report: CheckReport, name: string) => report.budgets.find((b) => b.budget === name)!;
  const spent = (budget: BudgetOutcome) =>
    budget.status === 'evaluated' ? budget.evaluation.spent.toString() : budget.status;

  it('counts usage once: services split their usage type, the rest stays a line of its own', async () => {
    const { report, publisher } = await check();
    expect(report.accounts.map((a) => a.status)).toEqual(['ok']);
    expect(spent(outcome(report, 'www-bandwidth'))).toBe('1500');
    expect(spent(outcome(report, 'all-bandwidth'))).toBe('2300');
    expect(publisher.published.map((a) => a.dedupKey).sort()).toEqual([
      'all-bandwidth/2026-11/actual-50pct',
      'cdn-cost/2026-11/actual-50pct',
      'www-bandwidth/2026-11/actual-100pct',
    ]);
  });

  it("invoices 403: the currency is the setting's, the cost budget still alerts with a partial line", async () => {
    sim.fail('/billing/v3/invoices', 403);
    const { report, publisher } = await check();
    const [account] = report.accounts;
    expect(account?.status).toBe('ok');
    expect(account?.status === 'ok' && account.spend.missing).toEqual([
      {
        part: 'currency',
        endpoint: 'GET /billing/v3/invoices',
        reason: expect.stringMatching(/^HTTP 403: /),
      },
    ]);
    expect(spent(outcome(report, 'cdn-cost'))).toBe('283.82');
    const alert = publisher.published.find((a) => a.dedupKey === 'cdn-cost/2026-11/actual-50pct');
    expect(alert?.details).toContainEqual(
      expect.stringMatching(
        /^Partial reading of cdn: no provider's statement of its currency \(GET \/billing\/v3\/invoices: HTTP 403: .*\); the currency is the account's setting$/,
      ),
    );
    // The currency is no part a budget's figure is computed from: every budget still evaluates.
    expect(report.budgets.map((b) => b.status)).toEqual(['evaluated', 'evaluated', 'evaluated']);
  });

  it('service usage 500: the scoped budget is skipped naming the endpoint, the others evaluate', async () => {
    sim.fail('/billing/v3/service-usage-metrics', 500);
    const { report, publisher } = await check();
    expect(report.accounts.map((a) => a.status)).toEqual(['ok']);
    expect(outcome(report, 'www-bandwidth')).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(
        /^account "cdn" was read without its breakdown, which this budget is computed from \(GET \/billing\/v3\/service-usage-metrics: HTTP 500/,
      ),
    });
    // Unsplit, the usage type is still counted whole, once.
    expect(spent(outcome(report, 'all-bandwidth'))).toBe('2300');
    const delivered = publisher.published.map((a) => a.dedupKey).sort();
    expect(delivered).toEqual(['all-bandwidth/2026-11/actual-50pct', 'cdn-cost/2026-11/actual-50pct']);
    const alert = publisher.published.find((a) => a.dedupKey === 'cdn-cost/2026-11/actual-50pct');
    expect(alert?.details).toContainEqual(
      expect.stringMatching(
        /^Partial reading of cdn: no breakdown \(GET \/billing\/v3\/service-usage-metrics: /,
      ),
    );
  });

  it('usage metrics 500: usage budgets are skipped, the cost budget alerts', async () => {
    sim.fail('/billing/v3/usage-metrics', 500);
    const { report, publisher } = await check();
    expect(report.accounts.map((a) => a.status)).toEqual(['ok']);
    expect(report.budgets.map((b) => [b.budget, b.status])).toEqual([
      ['cdn-cost', 'evaluated'],
      ['www-bandwidth', 'skipped'],
      ['all-bandwidth', 'skipped'],
    ]);
    expect(publisher.published.map((a) => a.dedupKey)).toEqual(['cdn-cost/2026-11/actual-50pct']);
  });
});
