import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import {
  forgetSoracomSessions,
  SORACOM_BASE_URLS,
  SoracomSource,
  soracom,
} from '../../lib/providers/soracom/index.ts';
import type { MonthlyTotal } from '../../lib/providers/types.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { accountForTest, connectForTest, contextForTest, providerErrorOf } from '../support/providers.ts';

const NOW = new Date('2026-11-23T03:30:00Z'); // 12:30 JST
const clock = fixedClock(NOW);
const credentials = { authKeyId: 'keyId-test', authKey: 'secret-abcdef123456' };

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
  const soracomSource = () => {
    return new SoracomSource(
      accountForTest(soracom, { baseUrl: sim.baseUrl }, credentials),
      contextForTest(credentials, clock),
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
    const lines = (reading: Awaited<ReturnType<SoracomSource['read']>>) =>
      reading.spend.lines.map((line) => ({ ...line, BilledCost: line.BilledCost?.toString() }));

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
      const reading = await soracomSource().read(breakdownRequest);
      expect(lines(reading)).toEqual([
        { ServiceName: 'Air', ChargeDescription: 'Basic fee', BilledCost: '2000.1 JPY' },
        { ServiceName: 'Air', ChargeDescription: 'Data usage fee', BilledCost: '1234.56 JPY' },
        { ResourceId: '8981100000000000002', BilledCost: '17.7 JPY' },
        { ResourceId: '8981100000000000001', BilledCost: '0.3 JPY' },
      ]);
      expect(reading.spend.sources).toEqual([
        'GET /bills/latest',
        'GET /bills/summaries/bill_items',
        'GET /bills/summaries/sims',
      ]);
    });

    it('gives no lines while the current month is not summarised yet', async () => {
      sim.options.billItems = {
        '202610': [{ billItemCategory: 'Air', billItemName: 'Basic fee', amount: 1 }],
      };
      sim.options.simCosts = { '202609': [{ simId: '8981100000000000001', amount: 1 }] };
      const reading = await soracomSource().read(breakdownRequest);
      expect(reading.status).toBe('ok');
      expect(reading.spend.lines).toEqual([]);
      expect(reading.spend.BilledCost?.toString()).toBe('2438 JPY');
    });

    it('asks for the summaries only when a budget needs the breakdown', async () => {
      await soracomSource().read({ ...request, needs: {} });
      expect(sim.calls(/^\/v1\/bills\/summaries\//)).toHaveLength(0);
    });
  });
});
