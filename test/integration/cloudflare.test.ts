import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CloudflareSimOptions,
  CloudflareSimulator,
  type UsageGeneration,
} from '../../dev/simulators/cloudflare.ts';
import { decimal, Money } from '../../lib/money/index.ts';
import { cloudflare } from '../../lib/providers/cloudflare/index.ts';
import {
  ACCOUNT_TAG,
  ANCHORED_ON_15TH,
  CYCLE_TO_DATE,
  connectCloudflare,
  fullRead,
  MONTH_TO_DATE,
  NOW,
  spendOf,
  startCloudflare,
  TOKEN,
} from '../support/cloudflare-world.ts';
import { providerErrorOf } from '../support/providers.ts';

describe('Cloudflare client against the loopback simulator', () => {
  let sim: CloudflareSimulator;

  const startSim = async (options: Partial<CloudflareSimOptions> = {}) => {
    await sim?.stop();
    sim = await startCloudflare(options);
  };
  const connect = (fields: Record<string, unknown> = {}, token = TOKEN) =>
    connectCloudflare(sim, fields, { token });
  const usagePath = (generation: UsageGeneration = 'billable-usage') =>
    sim.path(
      {
        'billable-usage': '/billable-usage',
        'paygo-usage': '/paygo-usage',
        beta: '/billing/usage/paygo',
        'focus-v2': '/billable/usage',
      }[generation],
    );

  beforeEach(() => startSim());
  afterEach(() => sim.stop());

  it('reads the billing cycle from the anchor and the exact month-to-date ContractedCost', async () => {
    const spend = spendOf(await connect().source.read(fullRead));
    // 15th..20th: Workers 6 x 0.10 + R2 (5 x 0.20 + 1.05), added exactly (floats would give 2.6499999999999995).
    expect(spend.BilledCost?.toString()).toBe(CYCLE_TO_DATE);
    expect(spend.BillingCurrency).toBe('USD');
    expect(spend.BillingPeriodStart.toISOString()).toBe('2026-11-15T00:00:00.000Z');
    expect(spend.BillingPeriodEnd.toISOString()).toBe('2026-12-15T00:00:00.000Z');
    // Today's record is still open (ends tomorrow): freshness is capped at now.
    expect(spend.asOf.toISOString()).toBe(NOW.toISOString());
    expect(spend.daily?.map((d) => `${d.date} ${d.BilledCost}`)).toEqual([
      '2026-11-15 0.3 USD',
      '2026-11-16 0.3 USD',
      '2026-11-17 0.3 USD',
      '2026-11-18 1.15 USD',
      '2026-11-19 0.3 USD',
      '2026-11-20 0.3 USD',
    ]);
    // One line per charge day and service, so a scoped budget can chart and forecast its own days.
    expect(spend.lines).toHaveLength(12);
    for (const line of spend.lines) {
      expect(line.ChargePeriodEnd!.getTime() - line.ChargePeriodStart!.getTime()).toBe(86_400_000);
    }
    const r2 = spend.lines.filter((l) => l.ServiceName === 'R2 Storage');
    expect(r2[0]).toMatchObject({
      ChargeDescription: 'R2 Storage usage measured in Count',
      ConsumedUnit: 'GB-months',
    });
    expect(
      Money.sum(
        r2.map((l) => l.BilledCost!),
        'USD',
      ).toString(),
    ).toBe('2.05 USD');
    expect(r2.reduce((sum, l) => sum.plus(l.ConsumedQuantity!), decimal(0)).toFixed()).toBe('205');
    const workers = spend.lines.filter((l) => l.ServiceName === 'Workers Standard');
    expect(workers[0]).toMatchObject({
      ResourceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      ResourceName: 'example.com',
      ConsumedUnit: 'Requests',
    });
    expect(
      Money.sum(
        workers.map((l) => l.BilledCost!),
        'USD',
      ).toString(),
    ).toBe('0.6 USD');
    expect(spend.sources).toEqual([
      'GET /accounts/{account_id}/billable-usage/info',
      'GET /accounts/{account_id}/billable-usage',
      'GET /accounts/{account_id}/billing/profile',
    ]);

    const [usageCall] = sim.calls(usagePath());
    expect(usageCall?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // `to` is the cycle's last day, read as inclusive (lib/providers/cloudflare/date-ranges.ts).
    expect(Object.fromEntries(usageCall!.query)).toEqual({ from: '2026-11-15', to: '2026-12-14' });
    expect(spend.missing).toBeUndefined();
  });

  it('sums ContractedCost, never the already-cumulative CumulatedContractedCost', async () => {
    const spend = spendOf(await connect().source.read(fullRead));
    const reply = await fetch(`${sim.url}${usagePath()}?from=2026-11-15&to=2026-12-14`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const records = ((await reply.json()) as { result: Record<string, number>[] }).result;
    const sum = (field: string) => records.reduce((total, r) => total.plus(decimal(r[field]!)), decimal(0));
    expect(records).toHaveLength(12);
    // Running totals per service: Workers 0.1 + 0.2 + ... + 0.6, R2 0.2 + 0.4 + 0.6 + 1.65 + 1.85 + 2.05.
    expect(sum('CumulatedContractedCost').toFixed()).toBe('8.85');
    expect(spend.BilledCost?.amount.toFixed()).toBe(sum('ContractedCost').toFixed());
    expect(spend.BilledCost?.amount.toFixed()).toBe('2.65');
  });

  it('uses the calendar month and skips the profile when the account says so, without an anchor', async () => {
    await startSim({ live: 'beta' });
    const { source } = connect({ useBillingProfile: false });
    const spend = spendOf(await source.read({ ...fullRead, needs: {} }));
    // 1st..20th: 20 x 0.30 + 0.85 extra on the 18th.
    expect(spend.BilledCost?.toString()).toBe(MONTH_TO_DATE);
    expect(spend.BillingPeriodStart.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(spend.BillingPeriodEnd.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(spend.lines).toEqual([]);
    expect(spend.daily).toBeUndefined();
    expect(sim.calls(sim.path('/billing/profile'))).toHaveLength(0);
  });

  it('falls back from /billable-usage to /paygo-usage, says so and keeps to it for the run', async () => {
    await startSim({ live: 'paygo-usage' });
    const { source, logger } = connect();
    const spend = spendOf(await source.read(fullRead));
    expect(spend.BilledCost?.toString()).toBe(CYCLE_TO_DATE);
    expect(spend.BillingPeriodStart.toISOString()).toBe('2026-11-15T00:00:00.000Z');
    expect(spend.missing).toBeUndefined();
    expect(spend.sources.slice(0, 2)).toEqual([
      'GET /accounts/{account_id}/paygo-usage-info',
      'GET /accounts/{account_id}/paygo-usage',
    ]);
    const served = logger.records().filter((r) => r.message === 'cloudflare billable usage served');
    expect(served).toEqual([
      expect.objectContaining({
        level: 'info',
        endpoint: 'GET /accounts/{account_id}/paygo-usage',
        notFound: ['GET /accounts/{account_id}/billable-usage'],
      }),
    ]);

    await source.read(fullRead);
    expect(sim.calls(sim.path('/billable-usage/info'))).toHaveLength(1);
    expect(sim.calls(usagePath('paygo-usage'))).toHaveLength(1); // memoised for the run
  });

  it('falls back to the 2026-03 /billing/usage/paygo when both newer paths answer 404', async () => {
    await startSim({ live: 'beta' });
    const { source, logger } = connect();
    const spend = spendOf(await source.read(fullRead));
    // No info endpoint here: the billing profile's next bill date gives the cycle day.
    expect(spend.BillingPeriodStart.toISOString()).toBe('2026-11-15T00:00:00.000Z');
    expect(spend.BillingPeriodEnd.toISOString()).toBe('2026-12-15T00:00:00.000Z');
    expect(spend.BilledCost?.toString()).toBe(CYCLE_TO_DATE);
    // The retired generations' info paths answer 404 too, but a generation is told by its usage path.
    expect(spend.missing).toBeUndefined();
    expect(logger.records()).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: 'cloudflare billable usage served',
        endpoint: 'GET /accounts/{account_id}/billing/usage/paygo',
        notFound: ['GET /accounts/{account_id}/billable-usage', 'GET /accounts/{account_id}/paygo-usage'],
      }),
    );
    expect(Object.fromEntries(sim.calls(usagePath('beta'))[0]!.query)).toEqual({
      from: '2026-11-15',
      to: '2026-12-14',
    });
  });

  it('reports not-found, naming every path tried, when no generation answers', async () => {
    sim.inject(usagePath(), CloudflareSimulator.error(404, 7003, 'No route for the URI'));
    const error = await providerErrorOf(connect().source.read(fullRead));
    expect(error.kind).toBe('not-found');
    expect(error.message).toContain(
      '(GET /accounts/{account_id}/billable-usage, GET /accounts/{account_id}/paygo-usage, GET /accounts/{account_id}/billing/usage/paygo, GET /accounts/{account_id}/billable/usage)',
    );
    expect(error.message).not.toContain(ACCOUNT_TAG);
  });

  it('waits for the Retry-After of a 429, then succeeds', async () => {
    sim.inject(usagePath(), CloudflareSimulator.rateLimited(1));
    const started = Date.now();
    const spend = spendOf(await connect().source.read(fullRead));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(spend.BilledCost?.toString()).toBe(CYCLE_TO_DATE);
    expect(sim.calls(usagePath())).toHaveLength(2);
  });

  it('retries 5xx then succeeds', async () => {
    sim.inject(
      sim.path('/billable-usage/info'),
      CloudflareSimulator.error(503, 10000, 'Service unavailable'),
      2,
    );
    spendOf(await connect().source.read(fullRead));
    expect(sim.calls(sim.path('/billable-usage/info'))).toHaveLength(3);
  });

  it('reports a rejected token as an auth error with Cloudflare codes and without the token', async () => {
    const wrong = 'cf-token-wrong-0123456789abcdef';
    const { source, logger } = connect({}, wrong);
    const error = await providerErrorOf(source.read(fullRead));
    expect(error.kind).toBe('auth');
    expect(error.status).toBe(403);
    expect(error.message).toContain('[10000] Authentication error');
    expect(error.message).toContain('Billing Read');
    expect(error.message).not.toContain(wrong);
    expect(logger.lines.join('\n')).not.toContain(wrong);
  });

  it('reports a missing token (401) and a token without billing permission (403) as auth errors', async () => {
    const missing = await providerErrorOf(connect({}, '').source.read(fullRead));
    expect(missing).toMatchObject({ kind: 'auth', status: 401 });
    expect(missing.message).toContain('[10001] Unable to authenticate request');

    await startSim({ tokens: [], tokensWithoutBilling: [TOKEN] });
    const denied = await providerErrorOf(connect().source.read(fullRead));
    expect(denied).toMatchObject({ kind: 'auth', status: 403 });
    expect(denied.message).toContain('[9109] Unauthorized to access requested resource');
    expect(denied.message).not.toContain(TOKEN);
  });

  it('names the field when a record breaks the contract', async () => {
    const record = {
      BillingCurrency: 'USD',
      BillingPeriodStart: '2026-11-15T00:00:00Z',
      ChargePeriodEnd: '2026-11-16T00:00:00Z',
      ChargePeriodStart: '2026-11-15T00:00:00Z',
      ConsumedQuantity: 150000,
      ConsumedUnit: 'Requests',
      ContractedCost: '0.75',
      CumulatedContractedCost: 0.75,
      CumulatedPricingQuantity: 150000,
      PricingQuantity: 150000,
      ServiceName: 'Workers Standard',
    };
    sim.inject(usagePath(), {
      kind: 'raw',
      status: 200,
      text: JSON.stringify({ errors: [], messages: [], result: [record], success: true }),
    });
    const error = await providerErrorOf(connect().source.read(fullRead));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toMatch(/field "result\.0\.ContractedCost".*expected number.*"0\.75"/);
    expect(error.message).toContain('GET /accounts/{account_id}/billable-usage');
  });

  it('rejects records that disagree on the billing currency', async () => {
    const records = [
      { currency: 'USD', day: '2026-11-15' },
      { currency: 'EUR', day: '2026-11-16' },
    ].map(({ currency, day }) => ({
      BillingCurrency: currency,
      BillingPeriodStart: '2026-11-15T00:00:00Z',
      ChargePeriodEnd: `${day}T23:59:59Z`,
      ChargePeriodStart: `${day}T00:00:00Z`,
      ConsumedQuantity: 1,
      ConsumedUnit: '',
      ContractedCost: 1,
      CumulatedContractedCost: 1,
      CumulatedPricingQuantity: 1,
      PricingQuantity: 1,
      ServiceName: 'Workers Standard',
    }));
    sim.inject(usagePath(), {
      kind: 'status',
      status: 200,
      body: { errors: [], messages: [], result: records, success: true },
    });
    const error = await providerErrorOf(connect().source.read(fullRead));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toContain(
      'field "BillingCurrency" is "EUR" in the record of 2026-11-16 (Workers Standard) but "USD" in the record of 2026-11-15',
    );
  });

  it('surfaces the errors of a success:false envelope, even with HTTP 200', async () => {
    sim.inject(usagePath(), {
      kind: 'status',
      status: 200,
      body: CloudflareSimulator.failure(1183, 'Invalid request parameters: from must be a date.'),
    });
    const error = await providerErrorOf(connect().source.read(fullRead));
    expect(error).toMatchObject({ kind: 'http', status: 200 });
    expect(error.message).toContain(
      '"success": false: [1183] Invalid request parameters: from must be a date.',
    );
  });

  it("surfaces Cloudflare's error codes of a 4xx", async () => {
    sim.inject(
      usagePath(),
      CloudflareSimulator.error(
        400,
        1183,
        'Invalid request parameters: Please ensure all required parameters',
      ),
    );
    const error = await providerErrorOf(connect().source.read(fullRead));
    expect(error).toMatchObject({ kind: 'http', status: 400 });
    expect(error.message).toContain('Cloudflare says: [1183] Invalid request parameters');
  });

  it('reads on when the billing profile fails, with a warning, while the usage info names the anchor', async () => {
    sim.inject(sim.path('/billing/profile'), CloudflareSimulator.error(500, 10000, 'Internal error'), 4);
    const { source, logger } = connect();
    const spend = spendOf(await source.read(fullRead));
    expect(spend.BilledCost?.toString()).toBe(CYCLE_TO_DATE);
    // The usage info names the cycle's anchor: without the profile the period is the same, so the
    // reading is whole and the failure is a log line.
    expect(spend.missing).toBeUndefined();
    expect(spend.sources).not.toContain('GET /accounts/{account_id}/billing/profile');
    const warning = logger.records().find((r) => String(r.message).includes('billing profile unavailable'));
    expect(warning).toMatchObject({ level: 'warn', endpoint: 'GET /accounts/{account_id}/billing/profile' });
    expect(String(warning?.error)).toContain('HTTP 500');
    expect(String(warning?.error)).toContain('Internal error');
  });

  it('ignores unreadable profile values and reads on without a profile that is not an object, echoing none', async () => {
    const profileBody = (result: unknown) => ({ errors: [], messages: [], result, success: true });
    sim.inject(sim.path('/billing/profile'), {
      kind: 'status',
      status: 200,
      body: profileBody({ balance: 'twelve', next_bill_date: 'soon', card_number: '4242424242424242' }),
    });
    const odd = connect();
    const spend = spendOf(await odd.source.read(fullRead));
    expect(spend.sources).toContain('GET /accounts/{account_id}/billing/profile');
    expect(odd.logger.records().filter((r) => r.level === 'warn')).toEqual([]);

    sim.inject(sim.path('/billing/profile'), {
      kind: 'status',
      status: 200,
      body: profileBody('card 4242424242424242, balance twelve'),
    });
    const broken = connect();
    spendOf(await broken.source.read(fullRead));
    const warning = broken.logger.records().find((r) => r.level === 'warn');
    expect(String(warning?.error)).toContain('field "result"');
    for (const { logger } of [odd, broken]) {
      expect(logger.lines.join('\n')).not.toContain('twelve');
      expect(logger.lines.join('\n')).not.toContain('4242424242424242');
    }
  });

  it("ends the period at the profile's next bill date, logs the balance and ignores a stale date", async () => {
    await startSim({ profile: { balance: '12.5', next_bill_date: '2026-12-15T08:30:00Z' } });
    const { source, logger } = connect();
    const spend = spendOf(await source.read(fullRead));
    expect(spend.BillingPeriodEnd.toISOString()).toBe('2026-12-15T08:30:00.000Z');
    expect(logger.records()).toContainEqual(
      expect.objectContaining({ level: 'debug', message: 'cloudflare billing profile', balance: '12.5' }),
    );

    await startSim({ profile: { next_bill_date: '2014-03-01T12:21:59.3456Z' } });
    const stale = spendOf(await connect().source.read(fullRead));
    expect(stale.BillingPeriodEnd.toISOString()).toBe('2026-12-15T00:00:00.000Z');
  });

  it('takes the anchor of the active subscription, not of a cancelled one', async () => {
    await startSim({
      subscriptions: [
        { id: 'OLD', anchor: '2022-01-03T00:00:00Z', end: '2024-01-01T00:00:00Z' },
        ...ANCHORED_ON_15TH,
      ],
    });
    const spend = spendOf(await connect({ useBillingProfile: false }).source.read(fullRead));
    expect(spend.BillingPeriodStart.toISOString()).toBe('2026-11-15T00:00:00.000Z');
  });

  it('reads zero spend in the account currency before the cycle has its first rated day', async () => {
    await startSim({ usage: {} });
    const reading = await connect().source.read(fullRead);
    expect(reading.status).toBe('ok');
    if (reading.status !== 'ok') return;
    expect(reading.spend.BilledCost?.toString()).toBe('0 USD');
    // Nothing rated yet: the figure is only as fresh as the period start, so a long silence goes stale.
    expect(reading.spend.asOf).toEqual(reading.spend.BillingPeriodStart);
  });

  it('validates the account fields and defaults to UTC and the billing profile', () => {
    const parsed = cloudflare.account.parse({
      provider: 'cloudflare',
      accountId: ACCOUNT_TAG,
      credentials: { apiToken: 'env:CLOUDFLARE_API_TOKEN' },
    });
    expect(parsed.useBillingProfile).toBe(true);
    expect(cloudflare.defaultTimeZone?.(parsed)).toBe('UTC');
    const badTag = cloudflare.account.safeParse({ ...parsed, accountId: 'my-account' });
    expect(badTag.error?.issues[0]?.path).toEqual(['accountId']);
    const literalToken = cloudflare.account.safeParse({ ...parsed, credentials: { apiToken: TOKEN } });
    expect(literalToken.error?.issues[0]?.path).toEqual(['credentials', 'apiToken']);
  });
});
