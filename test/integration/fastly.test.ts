import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { everyDay, FastlySimulator, type SimCharge } from '../../dev/simulators/fastly.ts';
import { FASTLY_BASE_URL, fastly, fetchInvoice, fetchUsage } from '../../lib/providers/fastly/index.ts';
import type { PeriodSpend } from '../../lib/spend/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { connectForTest, providerErrorOf } from '../support/providers.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
const clock = fixedClock(NOW);
const TOKEN = 'fastly-token-abcdef123456';
const credentials = { apiToken: TOKEN };

const bandwidth: SimCharge = {
  description: 'North America Bandwidth',
  amount: 12.34,
  units: 102.8333,
  region: 'North America',
  usageType: 'Bandwidth',
  unit: 'GB',
  productId: 'cdn_usage',
};
// 0.1 a day: 23 days summed as floats would not be 2.3; the API's decimal text must be kept exact.
const requests: SimCharge = {
  description: 'Asia Requests',
  amount: 0.1,
  units: 50,
  region: 'Asia',
  usageType: 'Requests',
  unit: 'unit',
  productId: 'cdn_usage',
};
const spend = (month: string) => everyDay(month, () => [bandwidth, requests]);

const request = { period: monthlyPeriod(NOW, 'UTC'), needs: {} };
const MTD = '/billing/v3/invoices/month-to-date';

function spendOf(reading: Awaited<ReturnType<ReturnType<typeof connectForTest>['source']['read']>>) {
  expect(reading.status).toBe('ok');
  return (reading as { spend: PeriodSpend }).spend;
}

describe('Fastly client against the loopback simulator', () => {
  let sim: FastlySimulator;

  beforeEach(async () => {
    sim = new FastlySimulator({
      apiTokens: [TOKEN],
      now: () => NOW,
      daily: { ...spend('2026-05'), ...spend('2026-09'), ...spend('2026-10'), ...spend('2026-11') },
    });
    await sim.start();
  });
  afterEach(() => sim.stop());

  const connect = (fields: Record<string, unknown> = {}, http = {}) =>
    connectForTest('fastly', { baseUrl: sim.url, ...fields }, credentials, clock, http);
  /** November's month-to-date invoice, answered once with these fields as written (not as the simulator computes them). */
  const answerMonthToDate = (fields: Record<string, unknown>) =>
    sim.inject(MTD, {
      kind: 'raw',
      status: 200,
      text: JSON.stringify({
        billing_start_date: '2026-11-01T00:00:00Z',
        billing_end_date: '2026-11-30T00:00:00Z',
        ...fields,
      }),
    });

  it('reads the month-to-date invoice with its line items, in the latest invoice currency', async () => {
    const spend = spendOf(await connect().source.read(request));
    // 23 days of 12.34 + 0.10
    expect(spend.BilledCost?.toString()).toBe('286.12 USD');
    expect(spend.BillingPeriodStart.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    // billing_end_date 2026-11-30T00:00:00Z names the last day: the exclusive end is the next midnight.
    expect(spend.BillingPeriodEnd.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(spend.asOf.toISOString()).toBe(NOW.toISOString());
    expect(spend.lines).toHaveLength(2);
    const [na, asia] = spend.lines;
    expect(na).toMatchObject({
      ServiceName: 'North America Bandwidth',
      ChargeDescription: 'North America Bandwidth',
      RegionName: 'North America',
      ConsumedUnit: 'Bandwidth',
    });
    expect(na?.BilledCost?.toString()).toBe('283.82 USD');
    expect(na?.ConsumedQuantity?.toString()).toBe('2365.1659');
    expect(asia?.BilledCost?.toString()).toBe('2.3 USD');
    expect(spend.sources).toEqual(['GET /billing/v3/invoices/month-to-date', 'GET /billing/v3/invoices']);
    expect(sim.calls(MTD)[0]?.headers['fastly-key']).toBe(TOKEN);
  });

  it('keeps the month-to-date total exact from its decimal text', async () => {
    answerMonthToDate({ monthly_transaction_amount: '12345678901234.5678', transaction_line_items: [] });
    const spend = spendOf(await connect().source.read(request));
    expect(spend.BilledCost?.toDecimalString()).toBe('12345678901234.5678');
  });

  it('takes the currency of the latest closed invoice, and USD when there is none yet', async () => {
    const euro = new FastlySimulator({
      apiTokens: [TOKEN],
      now: () => NOW,
      currency: 'EUR',
      daily: { ...spend('2026-10'), ...spend('2026-11') },
    });
    const fresh = new FastlySimulator({
      apiTokens: [TOKEN],
      now: () => NOW,
      currency: 'EUR',
      daily: spend('2026-11'),
    });
    await Promise.all([euro.start(), fresh.start()]);
    try {
      const read = (url: string) =>
        connectForTest('fastly', { baseUrl: url }, credentials, clock).source.read(request);
      expect(spendOf(await read(euro.url)).BilledCost?.toString()).toBe('286.12 EUR');
      expect(spendOf(await read(fresh.url)).BilledCost?.toString()).toBe('286.12 USD');
    } finally {
      await Promise.all([euro.stop(), fresh.stop()]);
    }
  });

  it('pages through invoices for the history, newest month first', async () => {
    sim.options.pageSize = 1;
    const history = await connect().source.history?.(6);
    expect(history?.map((m) => [m.month, m.BilledCost.toString(), m.closed])).toEqual([
      ['2026-10', '385.64 USD', true], // 31 days
      ['2026-09', '373.2 USD', true], // 30 days
      ['2026-05', '385.64 USD', true],
    ]);
    const pages = sim.calls('/billing/v3/invoices');
    expect(pages).toHaveLength(3);
    expect(pages[0]?.query.get('billing_start_date')).toBe('2026-05-01');
    expect(pages[0]?.query.get('billing_end_date')).toBe('2026-10-31');
    expect(pages[0]?.query.get('limit')).toBe('200');
    expect(pages[1]?.query.get('cursor')).toMatch(/\+.*=/);
  });

  it('fetches one closed invoice by ID with its lines', async () => {
    const { source } = connect();
    const invoice = await fetchInvoice(source, '4202609');
    expect(invoice.month).toBe('2026-09');
    expect(invoice.BilledCost.toString()).toBe('373.2 USD');
    expect(invoice.BillingPeriodEnd.toISOString()).toBe('2026-10-01T00:00:00.000Z');
    expect(invoice.lines.map((l) => l.BilledCost?.toString())).toEqual(['370.2 USD', '3 USD']);
    const missing = await providerErrorOf(fetchInvoice(source, '999'));
    expect(missing.kind).toBe('not-found');
    expect(missing.message).toContain('GET /billing/v3/invoices/{invoice_id}');
  });

  it('splits each usage type by service, asking for it by product and usage type, following cursors', async () => {
    sim.options.pageSize = 2;
    sim.options.serviceUsage = [
      {
        usageType: 'North America Bandwidth',
        unit: 'GB',
        byMonth: {
          '2026-11': [1, 2, 3, 4, 5].map((n) => ({
            service_id: `svc${n}`,
            service_name: `site-${n}`,
            usage_units: n * 100.5,
          })),
        },
      },
      {
        usageType: 'Asia Requests',
        unit: 'unit',
        byMonth: { '2026-11': [{ service_id: 'svc1', service_name: 'site-1', usage_units: 1150 }] },
      },
    ];
    const spend = spendOf(
      await connect().source.read({ ...request, needs: { breakdown: true, usage: true } }),
    );
    const usage = spend.lines.filter((line) => line.ServiceName === 'cdn_usage');
    expect(usage.map((l) => [l.ChargeDescription, l.ResourceId, l.ConsumedQuantity?.toString()])).toEqual([
      ['North America Bandwidth', 'svc1', '100.5'],
      ['North America Bandwidth', 'svc2', '201'],
      ['North America Bandwidth', 'svc3', '301.5'],
      ['North America Bandwidth', 'svc4', '402'],
      ['North America Bandwidth', 'svc5', '502.5'],
      // 2365.1659 GB in all: what no service accounts for stays a line of its own.
      ['North America Bandwidth', undefined, '857.6659'],
      ['Asia Requests', 'svc1', '1150'],
    ]);
    expect(usage[0]).toMatchObject({
      ConsumedUnit: 'GB',
      ResourceName: 'site-1',
      RegionName: 'North America',
    });
    const calls = sim.calls('/billing/v3/service-usage-metrics');
    const asked = (name: string) => calls.filter((c) => c.query.get('usage_type_name') === name);
    expect(asked('North America Bandwidth')).toHaveLength(3);
    expect(asked('Asia Requests')).toHaveLength(1);
    expect(calls.every((c) => c.query.get('product_id') === 'cdn_usage')).toBe(true);
    expect(calls[0]?.query.get('start_month')).toBe('2026-11');
    // The simulator only knows the cursor it issued: a '+' sent raw would arrive as a space.
    const cursor = asked('North America Bandwidth')[1]?.query.get('cursor') ?? '';
    expect(cursor).toContain('+');
    expect(cursor).toContain('=');
    expect(spend.sources).toContain('GET /billing/v3/service-usage-metrics');
    expect(spend.missing).toBeUndefined();
  });

  it('asks for no per-service usage when no budget counts usage: it carries no cost', async () => {
    spendOf(await connect().source.read({ ...request, needs: { breakdown: true } }));
    expect(sim.calls('/billing/v3/service-usage-metrics')).toHaveLength(0);
    expect(sim.calls('/billing/v3/usage-metrics')).toHaveLength(0);
  });

  it('adds usage quantities for usage budgets', async () => {
    const spend = spendOf(await connect().source.read({ ...request, needs: { usage: true } }));
    const usage = spend.lines.filter((line) => line.ServiceName === 'cdn_usage');
    expect(usage.map((l) => [l.ChargeDescription, l.ConsumedQuantity?.toString(), l.ConsumedUnit])).toEqual([
      ['North America Bandwidth', '2365.1659', 'GB'],
      ['Asia Requests', '1150', 'unit'],
    ]);
    expect(usage[0]?.ChargePeriodStart?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    const call = sim.calls('/billing/v3/usage-metrics')[0];
    expect([call?.query.get('start_month'), call?.query.get('end_month')]).toEqual(['2026-11', '2026-11']);
  });

  it('splits a long usage range into calls of at most three months', async () => {
    const lines = await fetchUsage(connect().source, '2026-01', '2026-07');
    const calls = sim.calls('/billing/v3/usage-metrics');
    expect(calls.map((c) => `${c.query.get('start_month')}..${c.query.get('end_month')}`).sort()).toEqual([
      '2026-01..2026-03',
      '2026-04..2026-06',
      '2026-07..2026-07',
    ]);
    expect(lines.map((l) => l.ChargePeriodStart?.toISOString().slice(0, 7))).toEqual(['2026-05', '2026-05']);
  });

  it('asks again while Fastly is generating the month-to-date invoice (202), then reads it', async () => {
    sim.options.mtdPendingCalls = 2;
    const slept: number[] = [];
    const sleep = async (ms: number) => void slept.push(ms);
    const spend = spendOf(await connect({}, { sleep }).source.read(request));
    expect(spend.BilledCost?.toString()).toBe('286.12 USD');
    expect(sim.calls(MTD)).toHaveLength(3);
    expect(slept).toEqual([500, 1000]);
  });

  it('reports pending, never zero, when the invoice is still generating after the wait budget', async () => {
    sim.options.mtdPendingCalls = Number.POSITIVE_INFINITY;
    const reading = await connect({ mtdPendingBudgetSeconds: 0.2 }).source.read(request);
    expect(reading).toMatchObject({
      status: 'pending',
      provider: 'fastly',
      accountId: 'fastly-test',
      endpoint: 'GET /billing/v3/invoices/month-to-date',
    });
    expect(reading.status === 'pending' && reading.reason).toMatch(/still generating/);
    expect(sim.calls(MTD)).toHaveLength(2);
    expect(sim.calls('/billing/v3/invoices')).toHaveLength(0);
  });

  it('waits until Fastly-RateLimit-Reset after a 429, then succeeds', async () => {
    sim.inject(MTD, sim.rateLimited(1));
    const started = Date.now();
    const reading = await connect().source.read(request);
    expect(reading.status).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(sim.calls(MTD)).toHaveLength(2);
  });

  it('retries 5xx then succeeds', async () => {
    sim.inject(MTD, { kind: 'status', status: 503, body: { title: 'Service Unavailable', status: 503 } }, 2);
    expect((await connect().source.read(request)).status).toBe('ok');
    expect(sim.calls(MTD)).toHaveLength(3);
  });

  it('reports a rejected token as an auth error without the token', async () => {
    const wrong = 'fastly-token-wrong-999';
    const { source } = connectForTest('fastly', { baseUrl: sim.url }, { apiToken: wrong }, clock);
    const error = await providerErrorOf(source.read(request));
    expect(error.kind).toBe('auth');
    expect(error.status).toBe(401);
    expect(error.message).toContain('GET /billing/v3/invoices/month-to-date');
    expect(error.message).not.toContain(wrong);
  });

  it('explains a 422 (an account Fastly cannot estimate) instead of retrying it', async () => {
    sim.inject(MTD, { kind: 'status', status: 422, body: { title: 'Unprocessable Entity', status: 422 } });
    const error = await providerErrorOf(connect().source.read(request));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/cannot compute a month-to-date invoice.*parent/);
    expect(sim.calls(MTD)).toHaveLength(1);
  });

  it('names the field when the body breaks the contract', async () => {
    answerMonthToDate({ monthly_transaction_amount: '286,12' });
    const error = await providerErrorOf(connect().source.read(request));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toMatch(/field "monthly_transaction_amount".*decimal.*"286,12"/);
  });

  it('reads the legacy v2 API where it is still served', async () => {
    sim.options.v2 = true;
    const { source } = connect({ api: 'v2', customerId: sim.options.customerId });
    const spend = spendOf(await source.read(request));
    expect(spend.BilledCost?.toString()).toBe('286.12 USD');
    expect(spend.BillingPeriodEnd.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(spend.lines[0]?.BilledCost?.toString()).toBe('283.82 USD');
    expect(spend.sources).toEqual(['GET /billing/v2/account_customers/{customer_id}/mtd_invoice']);
    // The account started in May 2026: history stops at the month before it.
    expect((await source.history?.(8))?.map((m) => `${m.month} ${m.BilledCost}`)).toEqual([
      '2026-10 385.64 USD',
      '2026-09 373.2 USD',
      '2026-08 0 USD',
      '2026-07 0 USD',
      '2026-06 0 USD',
      '2026-05 385.64 USD',
    ]);
    expect((await fetchInvoice(source, '4202610')).BilledCost.toString()).toBe('385.64 USD');
  });

  it('tells to switch to v3 when a v2 path answers 404', async () => {
    const { source } = connect({ api: 'v2', customerId: 'cust-1' });
    const error = await providerErrorOf(source.read(request));
    expect(error.kind).toBe('not-found');
    expect(error.message).toContain('GET /billing/v2/account_customers/{customer_id}/mtd_invoice');
    expect(error.message).toMatch(/retired the Billing v2 API in 2025.*set `api: v3`/);
    expect(error.message).not.toContain('cust-1');
  });

  it('requires customerId for v2 accounts only', () => {
    expect(() => connect({ api: 'v2' })).toThrow(/customerId is required with api: v2/);
    expect(() => connect({ api: 'v3' })).not.toThrow();
  });

  it('defaults to the v3 API at api.fastly.com, billed in UTC', () => {
    const settings = fastly.account.parse({ provider: 'fastly', credentials: { apiToken: 'env:FASTLY' } });
    expect(settings).toMatchObject({ api: 'v3', mtdPendingBudgetSeconds: 60 });
    expect(fastly.defaultTimeZone?.(settings)).toBe('UTC');
    expect(FASTLY_BASE_URL).toBe('https://api.fastly.com');
    expect(() =>
      fastly.account.parse({ provider: 'fastly', credentials: { apiToken: 'env:A', token: 'env:B' } }),
    ).toThrow(/token/);
  });
});
