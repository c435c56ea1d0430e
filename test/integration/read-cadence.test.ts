/**
 * `readEveryMinutes`: an account is read at most that often; the runs in between evaluate its kept
 * reading (from the state store), so budgets are still checked every run and alerts still go out
 * once, with the provider figure's own as-of time. Real check, Soracom simulator, filesystem store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { monthOfDays } from '../../dev/simulators/soracom.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { SoracomCheckWorld, soracomAccount } from '../support/soracom-check-world.ts';

const config = (baseUrl: string) => `
accounts:
${soracomAccount(baseUrl, 'readEveryMinutes: 60')}
budgets:
  - name: fleet
    account: fleet-jp
    amount: 30000
    currency: JPY
    thresholds: [{ at: 50% }, { at: 100% }]
`;

describe('accounts read at most every readEveryMinutes', () => {
  let world: SoracomCheckWorld;
  let publisher: MemoryPublisher;
  beforeEach(async () => {
    world = await SoracomCheckWorld.start(
      new Date('2026-11-10T03:00:00Z'),
      monthOfDays('202611', () => 1000),
    );
    publisher = new MemoryPublisher();
  });
  afterEach(() => world.stop());

  const run = (iso: string, options: { dryRun?: boolean } = {}) =>
    world.run(config, new Date(iso), publisher, options);
  const billReads = () => world.sim.calls(/\/bills\/latest$/).length;

  it('reads once per interval and evaluates the kept reading in between', async () => {
    const first = await run('2026-11-10T03:00:00Z');
    expect(billReads()).toBe(1);
    expect(first.accounts[0]).toMatchObject({ status: 'ok' });
    expect(first.accounts[0]).not.toHaveProperty('keptFrom');

    // The provider moves on, but the next two runs are inside the hour: no request, same figure.
    world.sim.setDay('20261110', 6000);
    for (const time of ['2026-11-10T03:15:00Z', '2026-11-10T03:59:00Z']) {
      const report = await run(time);
      expect(report.accounts[0]).toMatchObject({ status: 'ok', keptFrom: new Date('2026-11-10T03:00:00Z') });
      expect(report.budgets[0]).toMatchObject({ status: 'evaluated' });
    }
    expect(billReads()).toBe(1);
    expect(publisher.published.map((a) => a.thresholdId)).toEqual([]);

    // An hour on, the account is read again and the ¥5,000 jump crosses 50 %, alerted once.
    await run('2026-11-10T04:00:00Z');
    await run('2026-11-10T04:15:00Z');
    expect(billReads()).toBe(2);
    expect(publisher.published.map((a) => a.thresholdId)).toEqual(['actual-50pct']);
  });

  it('always reads on a dry run, after a failed read, and in a new period', async () => {
    await run('2026-11-10T03:00:00Z');
    await run('2026-11-10T03:15:00Z', { dryRun: true });
    expect(billReads()).toBe(2);

    // A failed read is not hidden behind the old reading, and the next run reads again.
    world.sim.inject(/\/bills\/latest$/, { kind: 'status', status: 503 }, 1);
    const failed = await run('2026-11-10T04:00:00Z');
    expect(failed.accounts[0]).toMatchObject({ status: 'error' });
    const retried = await run('2026-11-10T04:15:00Z');
    expect(retried.accounts[0]).toMatchObject({ status: 'ok' });
    expect(retried.accounts[0]).not.toHaveProperty('keptFrom');

    // December: November's reading is never evaluated against December's budget.
    const reads = billReads();
    await run('2026-11-30T15:10:00Z'); // 00:10 JST on Dec 1
    expect(billReads()).toBe(reads + 1);
  });
});
