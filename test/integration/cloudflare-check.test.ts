/**
 * A check of a Cloudflare account whose usage info fails: the reading is partial (its billing period
 * inferred), the budgets still evaluate from the usage records, and their alerts say what is missing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CloudflareSimulator } from '../../dev/simulators/cloudflare.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { AlertLedger } from '../../lib/state/ledger.ts';
import { MemoryObjectStore } from '../../lib/state/memory-store.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { ACCOUNT_TAG, NOW, startCloudflare, TOKEN } from '../support/cloudflare-world.ts';

const INFO = 'GET /accounts/{account_id}/billable-usage/info';

const config = (baseUrl: string) =>
  parseConfig(`accounts:
  - id: cf-main
    provider: cloudflare
    accountId: "${ACCOUNT_TAG}"
    baseUrl: ${baseUrl}
    credentials: { apiToken: env:CF_TOKEN }
budgets:
  - name: cf-total
    account: cf-main
    amount: 2
    currency: USD
    thresholds: [{ at: 100% }]
  - name: cf-workers
    account: cf-main
    amount: 0.5
    currency: USD
    scope: { services: ["Workers*"] }
    thresholds: [{ at: 100% }]
  - name: cf-requests
    account: cf-main
    amount: 100000 # Workers: 6 days x 20,000 requests
    unit: Requests
    thresholds: [{ at: 100% }]
`);

describe('a check of a Cloudflare account whose usage info fails', () => {
  let sim: CloudflareSimulator | undefined;
  afterEach(() => sim?.stop());

  it('reads it partially, evaluates every budget and alerts with the partial-reading line', async () => {
    sim = await startCloudflare();
    sim.failSideCall('info', 500);
    const publisher = new MemoryPublisher();
    const report = await runCheck(config(sim.baseUrl), {
      clock: fixedClock(NOW),
      logger: memoryLogger(),
      secrets: new SecretResolver([envBackend({ CF_TOKEN: TOKEN })]),
      publisher,
      ledger: new AlertLedger(new MemoryObjectStore()),
      http: { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10, budgetMs: 5_000 } },
    });

    const [outcome] = report.accounts;
    expect(outcome?.status).toBe('ok');
    if (outcome?.status !== 'ok') return;
    expect(outcome.spend.BilledCost?.toString()).toBe('2.65 USD');
    expect(outcome.spend.missing).toEqual([
      { part: 'billingPeriod', endpoint: INFO, reason: expect.stringContaining('HTTP 500') },
    ]);

    // The breakdown and the usage quantities come from the usage records, the headline call itself:
    // no budget is computed from the info, so none is skipped.
    expect(report.budgets.map((b) => [b.budget, b.status])).toEqual([
      ['cf-total', 'evaluated'],
      ['cf-workers', 'evaluated'],
      ['cf-requests', 'evaluated'],
    ]);
    expect(publisher.published.map((a) => a.dedupKey)).toEqual([
      'cf-total/2026-11-15/actual-100pct',
      'cf-workers/2026-11-15/actual-100pct',
      'cf-requests/2026-11-15/actual-100pct',
    ]);
    for (const alert of publisher.published) {
      expect(alert.details).toContainEqual(
        expect.stringMatching(
          /^Partial reading of cf-main: no provider's statement of its billing period \(GET \/accounts\/\{account_id\}\/billable-usage\/info: HTTP 500: .*\); the billing period is inferred$/,
        ),
      );
    }
  });
});
