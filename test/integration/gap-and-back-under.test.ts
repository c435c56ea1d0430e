/**
 * Self-monitoring and forecast recovery through the real check and ledger (filesystem store):
 * an account unreadable past monitoring.gapAfterHours raises one gap alert and one "recovered"
 * notice; a forecast that crossed and falls back under sends one back-under notice.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { monthOfDays } from '../../dev/simulators/soracom.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { SoracomCheckWorld, soracomAccount } from '../support/soracom-check-world.ts';

const config = (baseUrl: string) => `
monitoring: { gapAfterHours: 6 }
accounts:
${soracomAccount(baseUrl)}
budgets:
  - name: fleet
    account: fleet-jp
    amount: 30000
    currency: JPY
    thresholds: [{ at: 100%, basis: forecast }]
`;

describe('monitoring gaps and back-under notices', () => {
  let world: SoracomCheckWorld;
  beforeEach(async () => {
    world = await SoracomCheckWorld.start(
      new Date('2026-11-10T03:00:00Z'),
      monthOfDays('202611', () => 1500),
    );
  });
  afterEach(() => world.stop());

  const run = (publisher: MemoryPublisher, at: Date) => world.run(config, at, publisher);
  const hours = (h: number) => new Date(Date.parse('2026-11-10T03:00:00Z') + h * 3_600_000);

  it('raises one gap alert after the configured time, then one recovered notice', async () => {
    const publisher = new MemoryPublisher();
    await run(publisher, hours(0)); // healthy: ¥15,000 by the 10th projects ¥45,000: the forecast alert
    expect(publisher.published.map((a) => a.basis)).toEqual(['forecast']);
    world.sim.inject(/\/bills\/latest$/, { kind: 'status', status: 503 }, 1000);
    for (const h of [1, 3, 5]) await run(publisher, hours(h));
    expect(publisher.published.filter((a) => a.basis === 'gap')).toEqual([]); // 4 h of failures: not yet
    for (const h of [7, 8, 9]) await run(publisher, hours(h));
    const gaps = publisher.published.filter((a) => a.event === 'gap');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ budget: 'monitoring', account: 'fleet-jp', severity: 'critical' });
    expect(gaps[0]!.headline).toMatch(/not been able to read soracom account "fleet-jp" for 6\.0 h/);
    expect(gaps[0]!.details.join('\n')).toMatch(/Last error: .*GET \/bills\/latest.*503/);
    world.sim.clearFaults();
    await run(publisher, hours(10));
    await run(publisher, hours(11));
    expect(publisher.published.filter((a) => a.event === 'recovered')).toHaveLength(1);
    expect(publisher.published.filter((a) => a.event === 'gap')).toHaveLength(1);
  });

  it('sends one back-under notice when a forecast that crossed falls below again', async () => {
    const publisher = new MemoryPublisher();
    await run(publisher, hours(0));
    expect(publisher.published.map((a) => a.thresholdId)).toEqual(['forecast-100pct']);
    // A correction: the provider restates the month lower; the projection falls under ¥30,000.
    for (let day = 1; day <= 10; day++) world.sim.setDay(`202611${String(day).padStart(2, '0')}`, 600);
    await run(publisher, hours(1));
    await run(publisher, hours(2));
    const notices = publisher.published.filter((a) => a.event === 'back-under');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ thresholdId: 'forecast-100pct.back-under', severity: 'info' });
    // The forecast threshold itself is not alerted again in this period.
    expect(publisher.published.filter((a) => a.thresholdId === 'forecast-100pct')).toHaveLength(1);
  });
});
