import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import {
  forgetSoracomSessions,
  SORACOM_BASE_URLS,
  SoracomSource,
  soracom,
} from '../../lib/providers/soracom/index.ts';
import type { MonthlyTotal } from '../../lib/providers/types.ts';
import type { PeriodSpend, SpendReading } from '../../lib/spend/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { accountForTest, connectForTest, contextForTest, providerErrorOf } from '../support/providers.ts';

const NOW = new Date('2026-11-23T03:30:00Z'); // 12:30 JST
const clock = fixedClock(NOW);
const credentials = { authKeyId: 'keyId-test', authKey: 'secret-abcdef123456' };

/** The spend of a reading that must be ok. */
function spendOf(reading: SpendReading): PeriodSpend {
  if (reading.status !== 'ok') return expect.unreachable(`expected an ok reading, got ${reading.reason}`);
  return reading.spend;
}

const lineTexts = (spend: PeriodSpend) =>
  spend.lines.map((line) => ({ ...line, BilledCost: line.BilledCost?.toString() }));

describe('Soracom client against the loopback simulator', () => {
  let sim: SoracomSimulator;

  beforeEach(async () => {
    forgetSoracomSessions();
    sim = new SoracomSimulator({
      authKeys: { [credentials.authKeyId]: credentials.authKey },
      now: () => NOW,
      daily: monthOfDays('202611', (day) => 100 + day * 0.5),
    });
    await sim.start();
  });
  afterEach(() => sim.stop());

  const connect = () =>
    connectForTest('soracom', { coverage: 'jp', baseUrl: sim.baseUrl }, credentials, clock);
  const request = { period: monthlyPeriod(NOW, 'Asia/Tokyo'), needs: { daily: true } };
  const soracomSource = (fields: Record<string, unknown> = {}, at = clock) => {
    return new SoracomSource(
      accountForTest(soracom, { baseUrl: sim.baseUrl, ...fields }, credentials),
      contextForTest(credentials, at),
    );
  };
  const totals = (list: (MonthlyTotal | undefined)[]) =>
    list.map((t) => t && { month: t.month, cost: t.BilledCost.toString(), closed: t.closed });

  it('signs in with the AuthKey, reads the latest bill and the daily series', async () => {
    const { source } = connect();
    const reading = await source.read(request);
    expect(reading.status).toBe('ok');
    if (reading.status !== 'ok') return;
    const { spend } = reading;
    // 23 days of (100 + 0.5 d): 2300 + 0.5 * 276 = 2438
    expect(spend.BilledCost?.toString()).toBe('2438 JPY');
    expect(spend.BillingPeriodStart.toISOString()).toBe('2026-10-31T15:00:00.000Z');
    expect(spend.BillingPeriodEnd.toISOString()).toBe('2026-11-30T15:00:00.000Z');
    expect(spend.asOf.toISOString()).toBe('2026-11-23T03:00:00.000Z');
    expect(spend.daily).toHaveLength(23);
    expect(spend.daily?.[0]).toMatchObject({ date: '2026-11-01' });
    expect(spend.daily?.[22]?.BilledCost.toString()).toBe('111.5 JPY');
    const auth = sim.calls('/v1/auth');
    expect(auth).toHaveLength(1);
    expect(auth[0]?.body).toEqual(credentials);
  });

  it('reuses the token across reads and signs in again once when it is rejected', async () => {
    const { source } = connect();
    await source.read(request);
    await connect().source.read(request);
    expect(sim.calls('/v1/auth')).toHaveLength(1);
    sim.expireTokens();
    const reading = await connect().source.read(request);
    expect(reading.status).toBe('ok');
    expect(sim.calls('/v1/auth')).toHaveLength(2);
  });

  it('reports wrong credentials as an auth error without the secret', async () => {
    const { source } = connectForTest(
      'soracom',
      { baseUrl: sim.baseUrl },
      { ...credentials, authKey: 'secret-wrong-999' },
      clock,
    );
    const error = await providerErrorOf(source.read(request));
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('POST /auth');
    expect(error.message).not.toContain('secret-wrong-999');
  });

  it('waits for the rate-limit window Soracom announces, then succeeds', async () => {
    sim.inject('/v1/bills/latest', SoracomSimulator.rateLimited(1));
    const started = Date.now();
    const reading = await connect().source.read(request);
    expect(reading.status).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(sim.calls('/v1/bills/latest')).toHaveLength(2);
  });

  it('retries 5xx then succeeds', async () => {
    sim.inject('/v1/bills/latest', { kind: 'status', status: 503 }, 2);
    const reading = await connect().source.read(request);
    expect(reading.status).toBe('ok');
    expect(sim.calls('/v1/bills/latest')).toHaveLength(3);
  });

  it('names the field when the body breaks the contract', async () => {
    sim.inject('/v1/bills/latest', {
      kind: 'raw',
      status: 200,
      text: JSON.stringify({ amount: '12,3', currency: 'JPY', lastEvaluatedTime: '20261123120000' }),
    });
    const error = await providerErrorOf(connect().source.read(request));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toMatch(/field "amount".*expected number.*"12,3"/);
  });

  it('serves Global coverage in USD with UTC months', async () => {
    const global = new SoracomSimulator({
      authKeys: { [credentials.authKeyId]: credentials.authKey },
      now: () => NOW,
      currency: 'USD',
      timeZone: 'UTC',
      daily: { '20261101': 1.25, '20261122': 2.5 },
    });
    await global.start();
    try {
      const { source } = connectForTest(
        'soracom',
        { coverage: 'global', baseUrl: global.baseUrl },
        credentials,
        clock,
      );
      const reading = await source.read({ period: monthlyPeriod(NOW, 'UTC'), needs: {} });
      expect(reading.status === 'ok' && reading.spend.BilledCost?.toString()).toBe('3.75 USD');
      expect(reading.status === 'ok' && reading.spend.BillingPeriodStart.toISOString()).toBe(
        '2026-11-01T00:00:00.000Z',
      );
    } finally {
      await global.stop();
    }
  });

  it('defaults each coverage to its own endpoint and billing time zone', () => {
    expect(SORACOM_BASE_URLS).toEqual({
      jp: 'https://api.soracom.io/v1',
      global: 'https://g.api.soracom.io/v1',
    });
    expect(
      soracom.defaultTimeZone?.(
        soracom.account.parse({
          provider: 'soracom',
          coverage: 'jp',
          credentials: { authKeyId: 'env:A', authKey: 'env:B' },
        }),
      ),
    ).toBe('Asia/Tokyo');
    expect(
      soracom.defaultTimeZone?.(
        soracom.account.parse({
          provider: 'soracom',
          coverage: 'global',
          credentials: { authKeyId: 'env:A', authKey: 'env:B' },
        }),
      ),
    ).toBe('UTC');
  });

  describe('history', () => {
    beforeEach(() => {
      sim.options.daily['20261005'] = 10.5;
      Object.assign(sim.options.monthly, { '202610': 3100.25, '202609': 2900, '202510': 1 });
    });

    it('lists finalised months before the current one, newest first, with exact amounts', async () => {
      const source = soracomSource();
      expect(totals(await source.history(2))).toEqual([
        { month: '2026-10', cost: '3110.75 JPY', closed: true },
        { month: '2026-09', cost: '2900 JPY', closed: true },
      ]);
      expect(totals(await source.history(24))).toEqual([
        { month: '2026-10', cost: '3110.75 JPY', closed: true },
        { month: '2026-09', cost: '2900 JPY', closed: true },
        { month: '2025-10', cost: '1 JPY', closed: true },
      ]);
      expect(await source.history(0)).toEqual([]);
    });

    it('takes the currency /bills items lack from /bills/latest, fetched once per run', async () => {
      sim.options.currency = 'EUR';
      const source = soracomSource();
      await source.read({ ...request, needs: {} });
      const [latest] = await source.history(1);
      expect(latest?.BilledCost.toString()).toBe('3110.75 EUR');
      expect(sim.calls('/v1/bills/latest')).toHaveLength(1);
    });

    it('uses a currency a /bills item does carry and then asks nothing more', async () => {
      sim.inject('/v1/bills', {
        kind: 'raw',
        status: 200,
        text: JSON.stringify({
          billList: [{ amount: 12.3, currency: 'USD', state: 'temporary', yearMonth: '202610' }],
        }),
      });
      expect(totals(await soracomSource().history(3))).toEqual([
        { month: '2026-10', cost: '12.3 USD', closed: false },
      ]);
      expect(sim.calls('/v1/bills/latest')).toHaveLength(0);
    });
  });

  describe('monthBill', () => {
    it('reads a finalised month, the preliminary current month, and nothing for months without a bill', async () => {
      sim.options.monthly['202610'] = 3000.1;
      const source = soracomSource();
      expect(totals([await source.monthBill('202610'), await source.monthBill('202611')])).toEqual([
        { month: '2026-10', cost: '3000.1 JPY', closed: true },
        { month: '2026-11', cost: '2438 JPY', closed: false },
      ]);
      // 404 documents "not finalised" / "no charge": absent, not an error.
      expect(await source.monthBill('202607')).toBeUndefined();
      expect(await source.monthBill('202612')).toBeUndefined();
      expect(sim.calls('/v1/bills/202607')[0]?.method).toBe('GET');
    });

    it('rejects a malformed month and reports other failures without the month in the endpoint', async () => {
      const source = soracomSource();
      await expect(source.monthBill('2026-10')).rejects.toThrow(RangeError);
      sim.inject('/v1/bills/202610', { kind: 'status', status: 400, body: { code: 'COM0004' } });
      const error = await providerErrorOf(source.monthBill('202610'));
      expect(error.status).toBe(400);
      expect(error.endpoint).toBe('GET /bills/{yyyyMM}');
      expect(error.message).not.toContain('202610');
    });
  });

  describe('breakdown', () => {
    const breakdownRequest = { ...request, needs: { breakdown: true } };

    it("turns this month's bill item and SIM summaries into lines", async () => {
      sim.options.billItems = {
        '202611': [
          { billItemCategory: 'Air', billItemName: 'Data usage fee', amount: 1234.56 },
          { billItemCategory: 'Air', billItemName: 'Basic fee', amount: 2000.1 },
        ],
        '202610': [{ billItemCategory: 'Air', billItemName: 'Basic fee', amount: 999 }],
      };
      sim.options.simCosts = {
        '202611': [
          { simId: '8981100000000000001', amount: 0.3 },
          { simId: '8981100000000000002', amount: 17.7 },
        ],
      };
      const spend = spendOf(await soracomSource().read(breakdownRequest));
      expect(lineTexts(spend)).toEqual([
        { ServiceName: 'Air', ChargeDescription: 'Basic fee', BilledCost: '2000.1 JPY' },
        { ServiceName: 'Air', ChargeDescription: 'Data usage fee', BilledCost: '1234.56 JPY' },
        { ResourceId: '8981100000000000002', BilledCost: '17.7 JPY' },
        { ResourceId: '8981100000000000001', BilledCost: '0.3 JPY' },
      ]);
      expect(spend.sources).toEqual([
        'GET /bills/latest',
        'GET /bills/summaries/bill_items',
        'GET /bills/summaries/sims',
      ]);
      expect(spend.missing).toBeUndefined();
    });

    it('gives no lines while the current month is not summarised yet', async () => {
      sim.options.billItems = {
        '202610': [{ billItemCategory: 'Air', billItemName: 'Basic fee', amount: 1 }],
      };
      sim.options.simCosts = { '202609': [{ simId: '8981100000000000001', amount: 1 }] };
      const spend = spendOf(await soracomSource().read(breakdownRequest));
      expect(spend.lines).toEqual([]);
      expect(spend.BilledCost?.toString()).toBe('2438 JPY');
    });

    it('asks for the summaries only when a budget needs the breakdown', async () => {
      await soracomSource().read({ ...request, needs: {} });
      expect(sim.calls(/^\/v1\/bills\/summaries\//)).toHaveLength(0);
    });
  });

  describe('bodies in every shape the definition allows (nothing in it is required)', () => {
    const fullRequest = { ...request, needs: { daily: true, breakdown: true } };
    beforeEach(() => {
      sim.options.billItems = {
        '202611': [{ billItemCategory: 'Air', billItemName: 'Basic fee', amount: 2000 }],
      };
      sim.options.simCosts = { '202611': [{ simId: '8981100000000000001', amount: 17.7 }] };
    });

    it('reads a Japan account whose bills state no currency in yen, and says the currency was not stated', async () => {
      sim.options.omit = ['currency'];
      const spend = spendOf(await soracomSource().read(fullRequest));
      expect(spend.BilledCost?.toString()).toBe('2438 JPY');
      expect(spend.daily?.[22]?.BilledCost.toString()).toBe('111.5 JPY');
      expect(lineTexts(spend).map((line) => line.BilledCost)).toEqual(['2000 JPY', '17.7 JPY']);
      expect(spend.missing).toEqual([
        {
          part: 'currency',
          endpoint: 'GET /bills/latest',
          reason: expect.stringMatching(
            /states no ISO 4217 currency; read as JPY.*set the account's currency/,
          ),
        },
      ]);
    });

    it("takes the account's currency setting before the coverage's, and marks nothing then", async () => {
      sim.options.omit = ['currency'];
      sim.options.timeZone = 'UTC';
      const spend = spendOf(
        await soracomSource({ coverage: 'global', currency: 'EUR' }).read({ ...request, needs: {} }),
      );
      expect(spend.BilledCost?.toString()).toBe('2438 EUR');
      expect(spend.missing).toBeUndefined();
      const guessed = spendOf(await soracomSource({ coverage: 'global' }).read({ ...request, needs: {} }));
      expect(guessed.BilledCost?.toString()).toBe('2438 USD');
      expect(guessed.missing?.[0]?.reason).toMatch(/read as USD, what global coverage bills in/);
    });

    it('reads a currency the definition does not list when it is an ISO 4217 code', async () => {
      sim.options.currency = 'CHF';
      const spend = spendOf(await soracomSource().read(fullRequest));
      expect(spend.BilledCost?.toString()).toBe('2438 CHF');
      expect(spend.daily?.[0]?.BilledCost.currency).toBe('CHF');
      expect(spend.missing).toBeUndefined();
    });

    it('reads a currency that is no ISO 4217 code as not stated', async () => {
      sim.options.currency = 'YEN';
      const spend = spendOf(await soracomSource().read(fullRequest));
      expect(spend.BilledCost?.toString()).toBe('2438 JPY');
      expect(spend.daily).toHaveLength(23);
      expect(spend.missing?.map((m) => m.part)).toEqual(['currency']);
    });

    it('reads null optional fields as not stated, and ignores fields the definition does not list', async () => {
      sim.options.nulls = ['currency', 'billItemCategory', 'billItemName', 'updatedTime', 'state'];
      sim.options.extraFields = true;
      const spend = spendOf(await soracomSource({ currency: 'JPY' }).read(fullRequest));
      expect(spend.BilledCost?.toString()).toBe('2438 JPY');
      expect(lineTexts(spend)).toEqual([
        { ServiceName: undefined, ChargeDescription: undefined, BilledCost: '2000 JPY' },
        { ResourceId: '8981100000000000001', BilledCost: '17.7 JPY' },
      ]);
      expect(spend.missing).toBeUndefined();
    });

    it('reads amounts sent as decimal strings exactly', async () => {
      sim.inject('/v1/bills/latest', {
        kind: 'raw',
        status: 200,
        text: JSON.stringify({ amount: '1234.5', currency: 'JPY', lastEvaluatedTime: '20261123120000' }),
      });
      expect(spendOf(await soracomSource().read({ ...request, needs: {} })).BilledCost?.toString()).toBe(
        '1234.5 JPY',
      );
    });

    it.each([
      ['absent', {}],
      ['null', { amount: null }],
      ['not a number', { amount: true }],
    ])('fails loudly, never reads zero, when the amount is %s', async (_, amount) => {
      sim.inject('/v1/bills/latest', {
        kind: 'raw',
        status: 200,
        text: JSON.stringify({ ...amount, currency: 'JPY', lastEvaluatedTime: '20261123120000' }),
      });
      const error = await providerErrorOf(soracomSource().read({ ...request, needs: {} }));
      expect(error.kind).toBe('invalid-response');
      expect(error.endpoint).toBe('GET /bills/latest');
      expect(error.message).toMatch(/field "amount": expected number/);
    });

    it("sets aside daily bills without a usable amount or date, of another month or in another currency, with a warning; days without a currency are in the bill's", async () => {
      sim.inject('/v1/bills/202611/daily', {
        kind: 'raw',
        status: 200,
        text: JSON.stringify({
          billList: [
            { amount: 12.5, currency: 'JPY', date: '20261102' },
            { amount: 10, date: '20261101' },
            { currency: 'JPY', date: '20261103' },
            { amount: 3, currency: 'JPY', date: '20261131' },
            { amount: 4, currency: 'JPY', date: null },
            { amount: 5, currency: 'EUR', date: '20261104' },
            { amount: 6, currency: 'JPY', date: '20261031' },
            'not a bill',
          ],
        }),
      });
      const context = contextForTest(credentials, clock);
      const source = new SoracomSource(
        accountForTest(soracom, { baseUrl: sim.baseUrl }, credentials),
        context,
      );
      const spend = spendOf(await source.read(request));
      expect(spend.daily?.map((d) => [d.date, d.BilledCost.toString()])).toEqual([
        ['2026-11-01', '10 JPY'],
        ['2026-11-02', '12.5 JPY'],
      ]);
      expect(spend.missing).toBeUndefined();
      const warnings = context.logger.records().filter((r) => r.level === 'warn');
      expect(warnings.map((w) => [w.message, w.count ?? w.dates])).toEqual([
        [expect.stringMatching(/daily bills set aside/), 4],
        [expect.stringMatching(/another month or currency/), ['20261104', '20261031']],
      ]);
    });

    it('sets aside bills of /bills without a usable month or amount, with a warning', async () => {
      sim.inject('/v1/bills', {
        kind: 'raw',
        status: 200,
        text: JSON.stringify({
          billList: [
            { amount: 30, state: 'closed', yearMonth: '202610' },
            { amount: 20, state: 'closed' },
            { state: 'closed', yearMonth: '202609' },
            { amount: 10, state: 'someday', yearMonth: '202608', paymentStatus: 'new-status' },
            { amount: 5, yearMonth: '2026-07' },
          ],
        }),
      });
      const context = contextForTest(credentials, clock);
      const source = new SoracomSource(
        accountForTest(soracom, { baseUrl: sim.baseUrl }, credentials),
        context,
      );
      expect(totals(await source.history(12))).toEqual([
        { month: '2026-10', cost: '30 JPY', closed: true },
        { month: '2026-08', cost: '10 JPY', closed: false },
      ]);
      const warning = context.logger.records().find((r) => r.level === 'warn');
      expect(warning).toMatchObject({ endpoint: 'GET /bills', count: 3 });
    });

    it('sets aside summary lines without an amount or SIM, and summaries without a month', async () => {
      sim.inject('/v1/bills/summaries/sims', {
        kind: 'raw',
        status: 200,
        text: JSON.stringify([
          { costBreakdownList: [{ amount: 99, simId: 'other-month' }] },
          {
            costBreakdownList: [{ amount: 2, simId: 'sim-a' }, { amount: 3 }, { simId: 'sim-b' }, null],
            yearMonth: '202611',
          },
        ]),
      });
      sim.inject('/v1/bills/summaries/bill_items', {
        kind: 'raw',
        status: 200,
        text: JSON.stringify([{ costBreakdownList: null, yearMonth: '202611' }]),
      });
      const spend = spendOf(await soracomSource().read({ ...request, needs: { breakdown: true } }));
      expect(lineTexts(spend)).toEqual([{ ResourceId: 'sim-a', BilledCost: '2 JPY' }]);
      expect(spend.missing).toBeUndefined();
    });

    it('history and month bills without any currency fall back to the setting, then the coverage', async () => {
      sim.options.omit = ['currency'];
      sim.options.monthly['202610'] = 3000.1;
      expect(totals([await soracomSource().monthBill('202610')])).toEqual([
        { month: '2026-10', cost: '3000.1 JPY', closed: true },
      ]);
      sim.options.timeZone = 'UTC';
      expect(totals(await soracomSource({ coverage: 'global', currency: 'EUR' }).history(1))).toEqual([
        { month: '2026-10', cost: '3000.1 EUR', closed: true },
      ]);
      expect(totals(await soracomSource({ coverage: 'global' }).history(1))).toEqual([
        { month: '2026-10', cost: '3000.1 USD', closed: true },
      ]);
    });

    it('takes the currency for history from /bills/latest even when its amount is unusable', async () => {
      sim.options.monthly['202610'] = 7;
      sim.inject('/v1/bills/latest', {
        kind: 'raw',
        status: 200,
        text: JSON.stringify({ amount: null, currency: 'EUR' }),
      });
      expect(totals(await soracomSource().history(1))).toEqual([
        { month: '2026-10', cost: '7 EUR', closed: true },
      ]);
    });
  });

  describe('side calls: the daily series and the summaries', () => {
    const fullRequest = { ...request, needs: { daily: true, breakdown: true } };
    beforeEach(() => {
      sim.options.billItems = {
        '202611': [{ billItemCategory: 'Air', billItemName: 'Basic fee', amount: 2000 }],
      };
      sim.options.simCosts = { '202611': [{ simId: '8981100000000000001', amount: 17.7 }] };
    });

    it.each([
      [
        403,
        'GET /bills/summaries/bill_items',
        '/v1/bills/summaries/bill_items',
        [{ ResourceId: '8981100000000000001', BilledCost: '17.7 JPY' }],
      ],
      [
        404,
        'GET /bills/summaries/sims',
        '/v1/bills/summaries/sims',
        [{ ServiceName: 'Air', ChargeDescription: 'Basic fee', BilledCost: '2000 JPY' }],
      ],
      [
        500,
        'GET /bills/summaries/sims',
        '/v1/bills/summaries/sims',
        [{ ServiceName: 'Air', ChargeDescription: 'Basic fee', BilledCost: '2000 JPY' }],
      ],
    ])(
      'a %i on %s costs only its lines: the other summary and the headline stand',
      async (status, endpoint, path, kept) => {
        sim.inject(path, { kind: 'status', status, body: { message: 'no' } }, 10);
        const spend = spendOf(await soracomSource().read(fullRequest));
        expect(spend.BilledCost?.toString()).toBe('2438 JPY');
        expect(spend.daily).toHaveLength(23);
        expect(lineTexts(spend)).toEqual(kept);
        expect(spend.missing).toEqual([
          { part: 'breakdown', endpoint, reason: expect.stringContaining(`HTTP ${status}`) },
        ]);
        expect(spend.sources).not.toContain(endpoint);
        expect(spend.sources).toContain('GET /bills/{yyyyMM}/daily');
      },
    );

    it('a SAM user allowed only the latest bill reads the headline, missing each side call', async () => {
      sim.options.allowedApis = ['Billing:getLatestBilling'];
      const spend = spendOf(await soracomSource().read(fullRequest));
      expect(spend.BilledCost?.toString()).toBe('2438 JPY');
      expect(spend.lines).toEqual([]);
      expect(spend.daily).toBeUndefined();
      expect(spend.sources).toEqual(['GET /bills/latest']);
      expect(spend.missing?.map((m) => [m.part, m.endpoint, m.reason.slice(0, 8)]).sort()).toEqual([
        ['breakdown', 'GET /bills/summaries/bill_items', 'HTTP 403'],
        ['breakdown', 'GET /bills/summaries/sims', 'HTTP 403'],
        ['daily', 'GET /bills/{yyyyMM}/daily', 'HTTP 403'],
      ]);
    });

    it('a daily body that breaks the contract costs only the daily series', async () => {
      sim.inject('/v1/bills/202611/daily', { kind: 'raw', status: 200, text: '{"billList":"soon"}' });
      const spend = spendOf(await soracomSource().read(fullRequest));
      expect(spend.daily).toBeUndefined();
      expect(spend.lines).toHaveLength(2);
      expect(spend.missing).toEqual([
        {
          part: 'daily',
          endpoint: 'GET /bills/{yyyyMM}/daily',
          reason: expect.stringContaining('field "billList"'),
        },
      ]);
    });

    it('a 404 on the daily bills is no daily bill yet: an empty series, nothing missing', async () => {
      sim.inject('/v1/bills/202611/daily', { kind: 'status', status: 404, body: { code: 'BIL0001' } });
      const spend = spendOf(await soracomSource().read(fullRequest));
      expect(spend.daily).toEqual([]);
      expect(spend.missing).toBeUndefined();
    });

    it('a failed headline still fails the account', async () => {
      sim.options.allowedApis = ['Billing:getBillingPerDay', 'Billing:getBillingSummaryOf*'];
      const error = await providerErrorOf(soracomSource().read(fullRequest));
      expect(error).toMatchObject({ endpoint: 'GET /bills/latest', status: 403 });
    });
  });

  describe('lastEvaluatedTime: which month the figure is of (no zone: JST for Japan, UTC for Global)', () => {
    const latestStamped = (stamp: unknown) =>
      sim.inject('/v1/bills/latest', {
        kind: 'raw',
        status: 200,
        text: JSON.stringify({ amount: 1000, currency: 'JPY', lastEvaluatedTime: stamp }),
      });
    const readAt = async (at: string, fields: Record<string, unknown> = {}) =>
      soracomSource(fields, fixedClock(new Date(at))).read({ ...request, needs: {} });

    it.each([
      [
        'jp',
        '20261130235959',
        '2026-12-01T00:30:00Z',
        '2026-10-31T15:00:00.000Z',
        '2026-11-30T14:59:59.000Z',
      ],
      [
        'jp',
        '20261201000005',
        '2026-12-01T00:30:00Z',
        '2026-11-30T15:00:00.000Z',
        '2026-11-30T15:00:05.000Z',
      ],
      [
        'global',
        '20261130235959',
        '2026-12-01T00:30:00Z',
        '2026-11-01T00:00:00.000Z',
        '2026-11-30T23:59:59.000Z',
      ],
      [
        'global',
        '20261201000005',
        '2026-12-01T00:30:00Z',
        '2026-12-01T00:00:00.000Z',
        '2026-12-01T00:00:05.000Z',
      ],
    ])(
      '%s: "%s" read at %s is of the month starting %s, as of %s',
      async (coverage, stamp, at, start, asOf) => {
        latestStamped(stamp);
        const spend = spendOf(await readAt(at, { coverage }));
        expect(spend.BillingPeriodStart.toISOString()).toBe(start);
        expect(spend.asOf.toISOString()).toBe(asOf);
        expect(spend.missing).toBeUndefined();
      },
    );

    it('a figure evaluated just before midnight and read just after counts for the month it was evaluated in', async () => {
      // 00:05 JST on 1 December; Soracom still serves the figure it evaluated at 23:00 on 30 November.
      const at = new Date('2026-11-30T15:05:00Z');
      sim.options.now = () => at;
      sim.options.evaluationLagMinutes = 10;
      const spend = spendOf(
        await soracomSource({}, fixedClock(at)).read({ ...request, needs: { daily: true } }),
      );
      expect(spend.asOf.toISOString()).toBe('2026-11-30T14:00:00.000Z'); // 23:00 JST
      expect(spend.BillingPeriodStart.toISOString()).toBe('2026-10-31T15:00:00.000Z');
      expect(spend.BillingPeriodEnd.toISOString()).toBe('2026-11-30T15:00:00.000Z');
      // All of November: 30 days of (100 + 0.5 d) = 3000 + 0.5 * 465
      expect(spend.BilledCost?.toString()).toBe('3232.5 JPY');
      expect(sim.calls('/v1/bills/202611/daily')).toHaveLength(1);
    });

    it.each([
      ['absent', undefined, /the bill states no lastEvaluatedTime/],
      ['null', null, /the bill states no lastEvaluatedTime/],
      ['malformed', '2026-11-23 12:00', /lastEvaluatedTime "2026-11-23 12:00" is not a time yyyyMMddHHmmss/],
      ['off the calendar', '20261131120000', /is not a time yyyyMMddHHmmss/],
    ])(
      '%s mid-month: the figure is taken as of the read time, the period marked inferred',
      async (_, stamp, reason) => {
        latestStamped(stamp);
        const spend = spendOf(await readAt('2026-11-23T03:30:00Z'));
        expect(spend.asOf.toISOString()).toBe('2026-11-23T03:30:00.000Z');
        expect(spend.BillingPeriodStart.toISOString()).toBe('2026-10-31T15:00:00.000Z');
        expect(spend.missing).toEqual([
          { part: 'billingPeriod', endpoint: 'GET /bills/latest', reason: expect.stringMatching(reason) },
        ]);
      },
    );

    it("absent in the first day of a month: pending, since the figure may still be last month's", async () => {
      latestStamped(undefined);
      // 09:00 JST on 1 December
      const reading = await readAt('2026-12-01T00:00:00Z');
      expect(reading).toMatchObject({
        status: 'pending',
        endpoint: 'GET /bills/latest',
        reason: expect.stringMatching(
          /may still be last month's: it is counted from 2026-12-01T15:00:00.000Z/,
        ),
      });
      // A day into the month the read time stands in.
      latestStamped(undefined);
      expect(spendOf(await readAt('2026-12-01T15:00:00Z')).BillingPeriodStart.toISOString()).toBe(
        '2026-11-30T15:00:00.000Z',
      );
    });

    it('a stamp hours after the read time is not in the assumed zone: read as unusable', async () => {
      // Written in JST (09:30 on 23 Nov) but read for a Global account in UTC: 9 h in the future.
      latestStamped('20261123123000');
      const spend = spendOf(await readAt('2026-11-23T03:30:00Z', { coverage: 'global' }));
      expect(spend.asOf.toISOString()).toBe('2026-11-23T03:30:00.000Z');
      expect(spend.missing?.[0]?.reason).toMatch(
        /read in UTC lies 9\.0 h after the read time.*set the account's timeZone/,
      );
    });
  });
});
