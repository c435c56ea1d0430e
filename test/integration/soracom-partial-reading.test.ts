/**
 * A Soracom SAM user allowed the billing read APIs but not the per-service summary, through the real
 * check: the account is read (a partial reading), the budget on the headline figure still alerts and
 * says what is missing, the budget computed from the missing summary is skipped naming the endpoint.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { monthOfDays } from '../../dev/simulators/soracom.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { SoracomCheckWorld, soracomAccount } from '../support/soracom-check-world.ts';

const NOW = new Date('2026-11-23T03:30:00Z'); // 12:30 JST, ¥2,300 spent (23 days of ¥100)

const config = (baseUrl: string) => `
accounts:
${soracomAccount(baseUrl)}
budgets:
  - name: fleet
    account: fleet-jp
    amount: 2000
    currency: JPY
    thresholds: [{ at: 100% }]
  - name: air-only
    account: fleet-jp
    scope: { services: [Air] }
    amount: 1000
    currency: JPY
    thresholds: [{ at: 100% }]
`;

describe('a Soracom side call refused (403) through the check', () => {
  let world: SoracomCheckWorld;
  beforeEach(async () => {
    world = await SoracomCheckWorld.start(
      NOW,
      monthOfDays('202611', () => 100),
    );
    world.sim.options.billItems = {
      '202611': [{ billItemCategory: 'Air', billItemName: 'Data usage fee', amount: 2300 }],
    };
    world.sim.options.simCosts = { '202611': [{ simId: '8981100000000000001', amount: 2300 }] };
    // A SAM user with the billing read APIs, except the per-service summary.
    world.sim.options.allowedApis = [
      'Billing:getLatestBilling',
      'Billing:getBillingPerDay',
      'Billing:getBillingSummaryOfSims',
    ];
  });
  afterEach(() => world.stop());

  it('reads the account partially, alerts the headline budget with the partial line, skips the scoped one', async () => {
    const publisher = new MemoryPublisher();
    const report = await world.run(config, NOW, publisher);

    const [outcome] = report.accounts;
    expect(outcome?.status).toBe('ok');
    if (outcome?.status !== 'ok') return;
    expect(outcome.spend.BilledCost?.toString()).toBe('2300 JPY');
    expect(outcome.spend.missing).toEqual([
      {
        part: 'breakdown',
        endpoint: 'GET /bills/summaries/bill_items',
        reason: expect.stringMatching(/^HTTP 403: /),
      },
    ]);

    expect(publisher.published.map((alert) => alert.budget)).toEqual(['fleet']);
    const [alert] = publisher.published;
    expect(alert?.details).toContainEqual(
      expect.stringMatching(
        /^Partial reading of fleet-jp: no breakdown \(GET \/bills\/summaries\/bill_items: HTTP 403: .*\); contributors may be missing$/,
      ),
    );
    // The SIM summary answered: its SIM is still a contributor.
    expect(alert?.contributors.map((c) => [c.kind, c.name])).toEqual([['resource', '8981100000000000001']]);

    const airOnly = report.budgets.find((b) => b.budget === 'air-only');
    expect(airOnly).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(
        /account "fleet-jp" was read without its breakdown, which this budget is computed from \(GET \/bills\/summaries\/bill_items: HTTP 403/,
      ),
    });
    expect(report.budgets.find((b) => b.budget === 'fleet')?.status).toBe('evaluated');
  });
});
