/**
 * A budget its readings cannot evaluate is never silent: the real check over a Fastly simulator, a
 * budget in yen with no rate from the account's dollars. One broken-budget alert per period (the
 * ledger keeps it from repeating), the BudgetsBroken count, and the CLI's exit code 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../cli/command-run.ts';
import { type CheckMetrics, noCheckMetrics } from '../../lib/check/metrics.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { renderText } from '../../lib/notify/render/index.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { AlertLedger } from '../../lib/state/ledger.ts';
import { MemoryObjectStore } from '../../lib/state/memory-store.ts';
import { type AccountRig, startAccount } from '../support/fault-world.ts';

const NOW = new Date('2026-11-25T03:00:00Z');

describe('a budget that cannot be evaluated', () => {
  let rig: AccountRig;
  beforeAll(async () => {
    rig = await startAccount('fastly', 'cdn', () => NOW);
  });
  afterAll(() => rig.stop());

  it('raises one broken-budget alert per period, counts it, and makes the run exit 1', async () => {
    const config = parseConfig(`accounts:
  - ${rig.account}
budgets:
  - { name: cdn-yen, account: cdn, amount: 300000, currency: JPY, thresholds: [{ at: 80% }] }
  - ${rig.budget('cdn-usd', '[{ at: 50% }]')}
`);
    const store = new MemoryObjectStore();
    const publisher = new MemoryPublisher();
    const broken: number[] = [];
    const metrics: CheckMetrics = {
      ...noCheckMetrics,
      checkFinished: (run) => broken.push(run.budgetsBroken),
    };
    const check = () =>
      runCheck(config, {
        clock: { now: () => NOW },
        logger: memoryLogger(),
        secrets: new SecretResolver([envBackend(rig.env)]),
        publisher,
        ledger: new AlertLedger(store),
        metrics,
      });

    const first = await check();
    expect(first.budgets.map((b) => [b.budget, b.status])).toEqual([
      ['cdn-yen', 'error'],
      ['cdn-usd', 'evaluated'],
    ]);
    expect(exitCodeOf(first)).toBe(1);
    const [alert] = first.delivered.filter((a) => a.event === 'broken');
    expect(alert).toMatchObject({
      budget: 'cdn-yen',
      dedupKey: 'cdn-yen/2026-11/broken',
      severity: 'critical',
    });
    expect(alert!.headline).toBe(
      'Budget "cdn-yen" cannot be evaluated: the account bills in USD but the budget is in JPY; add a rate {from: USD, to: JPY, rate: ...} under "rates"',
    );
    expect(renderText(alert!)).toContain('What happened');
    // The budget that can be evaluated still alerts.
    expect(first.delivered.map((a) => a.budget)).toContain('cdn-usd');

    const second = await check();
    expect(second.delivered.filter((a) => a.event === 'broken')).toEqual([]);
    expect(second.suppressed.map((s) => s.alert.dedupKey)).toContain('cdn-yen/2026-11/broken');
    expect(broken).toEqual([1, 1]);
  });
});
