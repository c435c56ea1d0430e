/**
 * Kill Bill's priced upcoming invoices against the loopback simulator: every customer's dry run read
 * as cost lines in exact decimals (the figures are the simulator catalog's arithmetic, worked out
 * here by hand from its tiers), accounts listed or paged, caps from custom fields, a customer that
 * cannot be priced costing only itself, and the dry runs bounded in number and concurrency.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CATALOG, DEFAULT_ACCOUNT_ID, KillBillSimulator } from '../../dev/simulators/killbill.ts';
import type { ReadNeeds } from '../../lib/providers/types.ts';
import type { PeriodSpend, SpendReading } from '../../lib/spend/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { ACME, INITECH, SUB_API, SUB_FEE, tenant, UNPRICED } from '../support/killbill-tenant.ts';
import { connectForTest, providerErrorOf } from '../support/providers.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
const credentials = {
  username: 'admin',
  password: 'pw-kb-invoices-31',
  apiKey: 'tenant',
  apiSecret: 'secret-kb-77',
};
const costNeeds: ReadNeeds = { cost: true, breakdown: true };

function spendOf(reading: SpendReading): PeriodSpend {
  if (reading.status !== 'ok') throw new Error(`expected a spend, got ${JSON.stringify(reading)}`);
  return reading.spend;
}

/** Lines as "customer item amount" for readable assertions. */
const charges = (spend: PeriodSpend) =>
  spend.lines
    .filter((line) => line.BilledCost)
    .map(
      (line) => `${line.ResourceId} ${line.ChargeDescription?.split(' ')[0]} ${line.BilledCost?.toString()}`,
    );

describe('Kill Bill upcoming invoices, priced by the simulator’s catalog', () => {
  let sim: KillBillSimulator;

  beforeEach(async () => {
    sim = new KillBillSimulator(tenant(credentials, () => NOW));
    await sim.start();
  });
  afterEach(() => sim.stop());

  const read = (fields: Record<string, unknown>, needs: ReadNeeds = costNeeds) => {
    const { source, logger } = connectForTest(
      'killbill',
      { baseUrl: sim.url, ...fields },
      credentials,
      fixedClock(NOW),
    );
    return { reading: source.read({ period: monthlyPeriod(NOW, 'UTC'), needs }), logger };
  };

  it('prices every account of the tenant in exact decimals: tiers in arrear, the fee in advance', async () => {
    // The catalog's tiers, by hand. Partner Platform used 600,000 + 634,567 = 1,234,567 calls in
    // November: the first 1,000 blocks of 1,000 at 0.40 = 400; the remaining 234,567 calls start 235
    // blocks at 0.25 = 58.75. Its platform fee for December, billed in advance, is 500.00.
    const plan = CATALOG['api-usage-monthly'];
    expect(plan?.kind === 'usage' && plan.tiers.map((t) => [t.blockSize, t.maxBlocks, t.price.USD])).toEqual([
      [1000, 1000, '0.40'],
      [1000, 9000, '0.25'],
      [1000, undefined, '0.10'],
    ]);
    // Acme used 2,800,001 calls: 400 for the first 1,000 blocks, then 1,800,001 calls in 1,801 blocks
    // at 0.25 = 450.25: 850.25. Initech has nothing to invoice: zero.
    const spend = spendOf(await read({ accounts: 'all' }).reading);
    expect(charges(spend)).toEqual([
      'partner-platform USAGE 400 USD',
      'partner-platform USAGE 58.75 USD',
      'partner-platform RECURRING 500 USD',
      'acme-retail USAGE 400 USD',
      'acme-retail USAGE 450.25 USD',
      'initech nothing 0 USD',
    ]);
    // 958.75 + 850.25 + 0.
    expect(spend.BilledCost?.toString()).toBe('1809 USD');
    expect(spend.BillingCurrency).toBe('USD');
    const [usage, , fee] = spend.lines;
    expect(usage).toMatchObject({
      ResourceId: 'partner-platform',
      ResourceName: 'Partner Platform',
      ResourceType: 'customer',
      ServiceName: 'API',
      ChargeCategory: 'Usage',
      ChargeFrequency: 'Usage-Based',
      ChargeDescription: `USAGE api-usage-monthly / api-usage-monthly-evergreen / api-calls-tiered, api-calls-tiered tier 1, 1000 × 0.4, subscription ${SUB_API}, from 2026-11-01 to 2026-12-01`,
    });
    expect(fee).toMatchObject({
      ServiceName: 'Platform',
      ChargeCategory: 'Purchase',
      ChargeFrequency: 'Recurring',
      ChargeDescription: `RECURRING platform-monthly / platform-monthly-evergreen, subscription ${SUB_FEE}, from 2026-12-01 to 2027-01-01`,
    });
    // No custom fields were asked for: none are read.
    expect(spend.lines.every((line) => line.Tags === undefined)).toBe(true);
    expect(spend.sources).toEqual(['POST /1.0/kb/invoices/dryRun', 'GET /1.0/kb/accounts/pagination']);
    expect(spend.missing).toBeUndefined();
    // One page of accounts and one dry run each, with the header Kill Bill requires; nothing else.
    expect(sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /1.0/kb/accounts/pagination',
      'POST /1.0/kb/invoices/dryRun',
      'POST /1.0/kb/invoices/dryRun',
      'POST /1.0/kb/invoices/dryRun',
    ]);
    expect(Object.fromEntries(sim.requests[0]!.query)).toEqual({ offset: '0', limit: '100' });
    const dryRun = sim.calls('/1.0/kb/invoices/dryRun')[0]!;
    expect(dryRun.body).toEqual({ dryRunType: 'UPCOMING_INVOICE' });
    expect(dryRun.headers['x-killbill-createdby']).toBe('spendwatch');
    expect(sim.dryRuns.sort()).toEqual([DEFAULT_ACCOUNT_ID, ACME.accountId, INITECH].sort());
  });

  it('reads an account with nothing to invoice (204) as zero, with a note, not as an error', async () => {
    const { reading, logger } = read({ accounts: ['initech'] });
    const spend = spendOf(await reading);
    expect(charges(spend)).toEqual(['initech nothing 0 USD']);
    expect(spend.BilledCost?.toString()).toBe('0 USD');
    expect(logger.records().map((r) => [r.message, r.customer])).toContainEqual([
      'Kill Bill has nothing to invoice for this account (dry run 204): read as zero',
      'initech',
    ]);
  });

  it('finds listed accounts by external key or UUID, and reads only the custom fields budgets look at', async () => {
    const { reading } = read(
      { accounts: ['acme-retail', DEFAULT_ACCOUNT_ID] },
      { ...costNeeds, tags: ['spendwatch-cap'] },
    );
    const spend = spendOf(await reading);
    expect(spend.BilledCost?.toString()).toBe('1809 USD');
    expect(spend.lines.filter((l) => l.ResourceId === 'acme-retail').map((l) => l.Tags)).toEqual([
      { 'spendwatch-cap': '1000' },
      { 'spendwatch-cap': '1000' },
    ]);
    // Partner Platform has no such field: no tags.
    expect(spend.lines.find((l) => l.ResourceId === 'partner-platform')?.Tags).toBeUndefined();
    expect(sim.calls(/^\/1\.0\/kb\/accounts/).map((r) => `${r.path}?${r.query}`)).toEqual(
      expect.arrayContaining([
        '/1.0/kb/accounts?externalKey=acme-retail',
        `/1.0/kb/accounts/${DEFAULT_ACCOUNT_ID}?`,
        `/1.0/kb/accounts/${ACME.accountId}/customFields?`,
        `/1.0/kb/accounts/${DEFAULT_ACCOUNT_ID}/customFields?`,
      ]),
    );
    expect(sim.calls('/1.0/kb/accounts/pagination')).toHaveLength(0);
  });

  it('asks no dry run for an account only usage budgets read', async () => {
    spendOf(await read({ accounts: 'all', subscriptions: [SUB_API] }, { usage: true }).reading);
    expect(sim.dryRuns).toEqual([]);
    expect(sim.calls(/^\/1\.0\/kb\/accounts/)).toHaveLength(0);
  });

  it('gives a partial reading when one customer cannot be priced, and the others are read', async () => {
    sim.options.accounts.push(UNPRICED);
    const spend = spendOf(await read({ accounts: 'all' }).reading);
    expect(spend.BilledCost?.toString()).toBe('1809 USD');
    expect(spend.lines.some((l) => l.ResourceId === 'euro-gmbh')).toBe(false);
    expect(spend.missing).toEqual([
      {
        part: 'resources',
        endpoint: 'POST /1.0/kb/invoices/dryRun',
        reason: expect.stringMatching(
          /^1 of 4 customers could not be priced: euro-gmbh \(HTTP 400: .*The plan api-usage-monthly has no price in currency EUR/,
        ),
      },
    ]);
  });

  it('is unreadable only when no customer can be priced', async () => {
    const error = await providerErrorOf(read({ accounts: ['no-such-customer'] }).reading);
    expect(error.kind).toBe('not-found');
    expect(error.message).toContain(
      'Kill Bill has no account with external key no-such-customer in this tenant',
    );
  });

  it('states no total when customers are billed in several currencies; each line keeps its own', async () => {
    // The platform fee has a yen price.
    const sub = UNPRICED.subscriptions[0]!;
    sim.options.accounts.push({
      ...UNPRICED,
      externalKey: 'tokyo-bus',
      currency: 'JPY',
      plans: { [sub]: 'platform-monthly' },
    });
    const spend = spendOf(await read({ accounts: 'all' }).reading);
    expect(spend.BilledCost).toBeUndefined();
    expect(charges(spend)).toContain('tokyo-bus RECURRING 75000 JPY');
  });
});

describe('Kill Bill tenants of many customers', () => {
  let sim: KillBillSimulator;
  const customers = Array.from({ length: 250 }, (_, i) => ({
    accountId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    externalKey: `customer-${i}`,
    subscriptions: [`10000000-0000-4000-8000-${String(i).padStart(12, '0')}`],
    plans: { [`10000000-0000-4000-8000-${String(i).padStart(12, '0')}`]: 'platform-monthly' },
  }));

  beforeEach(async () => {
    sim = new KillBillSimulator({ ...credentials, now: () => NOW, subscriptions: [], accounts: customers });
    await sim.start();
  });
  afterEach(() => sim.stop());

  it('pages through every account and prices each once, four at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const counting: typeof fetch = async (input, init) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight -= 1;
      }
    };
    const { source } = connectForTest(
      'killbill',
      { baseUrl: sim.url, accounts: 'all' },
      credentials,
      fixedClock(NOW),
      {
        fetch: counting,
      },
    );
    const spend = spendOf(await source.read({ period: monthlyPeriod(NOW, 'UTC'), needs: costNeeds }));
    // The default account (no subscription: zero) and 250 customers at 500.00 each.
    expect(spend.BilledCost?.toString()).toBe('125000 USD');
    expect(sim.calls('/1.0/kb/accounts/pagination').map((r) => r.query.get('offset'))).toEqual([
      '0',
      '100',
      '200',
    ]);
    expect(sim.dryRuns).toHaveLength(251);
    expect(new Set(sim.dryRuns).size).toBe(251);
    // Pages are read one after another; the dry runs never more than four at once.
    expect(most).toBe(4);
  });

  it('stops, as an error, when Kill Bill answers every offset with the same page', async () => {
    const { source } = connectForTest(
      'killbill',
      { baseUrl: sim.url, accounts: 'all' },
      credentials,
      fixedClock(NOW),
    );
    let first: unknown;
    sim.inject(
      '/1.0/kb/accounts/pagination',
      {
        kind: 'rewrite',
        body: (page) => {
          first ??= page;
          return first;
        },
      },
      5,
    );
    const error = await providerErrorOf(source.read({ period: monthlyPeriod(NOW, 'UTC'), needs: costNeeds }));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toContain('answered offset 100 with accounts it had already listed');
    expect(sim.dryRuns).toEqual([]);
  });
});
