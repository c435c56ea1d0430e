/**
 * The Fastly client reads every shape the official models allow (every property is optional there):
 * each tolerance proven on its own, and each side call failing alone costs only its part.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { everyDay, FastlySimulator, type SimCharge } from '../../dev/simulators/fastly.ts';
import { fastly, fetchInvoice } from '../../lib/providers/fastly/index.ts';
import type { ReadNeeds } from '../../lib/providers/types.ts';
import type { PeriodSpend, SpendReading } from '../../lib/spend/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { connectForTest, providerErrorOf } from '../support/providers.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
const TOKEN = 'fastly-token-shapes-123456';
const MTD = '/billing/v3/invoices/month-to-date';
const INVOICES = '/billing/v3/invoices';
const USAGE = '/billing/v3/usage-metrics';
const SERVICE_USAGE = '/billing/v3/service-usage-metrics';

const bandwidth: SimCharge = {
  description: 'North America Bandwidth',
  amount: 12.34,
  units: 100,
  region: 'North America',
  usageType: 'Bandwidth',
  unit: 'GB',
};
const USAGE_AND_BREAKDOWN: ReadNeeds = { usage: true, breakdown: true };

function spendOf(reading: SpendReading): PeriodSpend {
  expect(reading.status).toBe('ok');
  return (reading as { spend: PeriodSpend }).spend;
}

describe('Fastly client: every shape the official models allow', () => {
  let sim: FastlySimulator;

  beforeEach(async () => {
    sim = new FastlySimulator({
      apiTokens: [TOKEN],
      now: () => NOW,
      daily: everyDay('2026-10', () => [bandwidth]),
    });
    sim.options.daily = { ...sim.options.daily, ...everyDay('2026-11', () => [bandwidth]) };
    await sim.start();
  });
  afterEach(() => sim.stop());

  const connect = (fields: Record<string, unknown> = {}) =>
    connectForTest('fastly', { baseUrl: sim.url, ...fields }, { apiToken: TOKEN }, fixedClock(NOW));
  const read = (needs: ReadNeeds = {}, fields: Record<string, unknown> = {}) => {
    const { source, logger } = connect(fields);
    return source.read({ period: monthlyPeriod(NOW, 'UTC'), needs }).then((reading) => ({ reading, logger }));
  };
  const answer = (path: string, body: unknown) =>
    sim.inject(path, { kind: 'raw', status: 200, text: JSON.stringify(body) }, Number.POSITIVE_INFINITY);

  describe('GET /billing/v3/usage-metrics', () => {
    it('reads the lone Usagemetric the SDKs declare as the 200 body', async () => {
      sim.options.shapes.usageMetrics = 'lone';
      const spend = spendOf((await read({ usage: true })).reading);
      const usage = spend.lines.filter((line) => line.ServiceName === 'cdn_usage');
      expect(usage.map((l) => [l.ChargeDescription, l.ConsumedQuantity?.toString(), l.ConsumedUnit])).toEqual(
        [['North America Bandwidth', '2300', 'GB']],
      );
      expect(spend.missing).toBeUndefined();
    });

    it('dates a lone Usagemetric without its month by the month asked for', async () => {
      answer(USAGE, { usage_type: 'Asia Requests', quantity: '1150', unit: 'unit' });
      const spend = spendOf((await read({ usage: true })).reading);
      const usage = spend.lines.find((line) => line.ChargeDescription === 'Asia Requests');
      expect(usage?.ConsumedQuantity?.toString()).toBe('1150');
      expect(usage?.ChargePeriodStart?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    });

    it.each([
      ['an empty object', {}],
      ['a Usagemetric without a quantity', { usage_type: 'Asia Requests', unit: 'unit' }],
      ['a renamed list', { items: [{ usage_type: 'Asia Requests', quantity: 1 }] }],
      ['data that is not a list', { data: { usage_type: 'Asia Requests', quantity: 1 } }],
    ])('takes %s for a changed body: usage is missing, the figure still read', async (_, body) => {
      answer(USAGE, body);
      const spend = spendOf((await read({ usage: true })).reading);
      expect(spend.BilledCost?.toString()).toBe('283.82 USD');
      expect(spend.missing).toEqual([
        {
          part: 'usage',
          endpoint: 'GET /billing/v3/usage-metrics',
          reason: expect.stringMatching(/expected \{"data": \[Usagemetric, \.\.\.\]\} or one Usagemetric/),
        },
      ]);
      expect(spend.lines.every((line) => line.ServiceName !== 'cdn_usage')).toBe(true);
    });

    it('takes a list holding a metric without a quantity for a changed body: usage is missing, never zero', async () => {
      answer(USAGE, {
        data: [
          { product_id: 'cdn_usage', usage_type: 'Asia Requests', quantity: 1150, unit: 'unit' },
          { product_id: 'cdn_usage', usage_type: 'North America Bandwidth', quantity: null, unit: 'GB' },
        ],
      });
      const spend = spendOf((await read(USAGE_AND_BREAKDOWN)).reading);
      expect(spend.BilledCost?.toString()).toBe('283.82 USD');
      expect(spend.missing).toEqual([
        {
          part: 'usage',
          endpoint: 'GET /billing/v3/usage-metrics',
          reason:
            '1 of the 2 usage metrics carry no quantity ("North America Bandwidth"); usage is not read as zero',
        },
      ]);
      expect(spend.lines.every((line) => line.ServiceName !== 'cdn_usage')).toBe(true);
      expect(sim.calls(SERVICE_USAGE)).toHaveLength(0);
    });

    it('reads the month-to-date figure when usage metrics fail (500): a partial reading', async () => {
      sim.fail(USAGE, 500);
      const spend = spendOf((await read(USAGE_AND_BREAKDOWN)).reading);
      expect(spend.BilledCost?.toString()).toBe('283.82 USD');
      expect(spend.missing).toEqual([
        {
          part: 'usage',
          endpoint: 'GET /billing/v3/usage-metrics',
          reason: expect.stringMatching(/HTTP 500/),
        },
      ]);
      expect(spend.sources).toEqual(['GET /billing/v3/invoices/month-to-date', 'GET /billing/v3/invoices']);
      expect(sim.calls(SERVICE_USAGE)).toHaveLength(0);
    });
  });

  describe('currency', () => {
    it('takes the latest invoice that names one when newer ones name none', async () => {
      const newest = { billing_start_date: '2026-10-01T00:00:00Z', monthly_transaction_amount: 1 };
      const older = { ...newest, billing_start_date: '2026-09-01T00:00:00Z', currency_code: 'EUR' };
      answer(INVOICES, { data: [newest, older] });
      const spend = spendOf((await read()).reading);
      expect(spend.BilledCost?.toString()).toBe('283.82 EUR');
      expect(spend.missing).toBeUndefined();
    });

    it("falls back to the account's currency setting when no invoice names one, and says so", async () => {
      sim.options.shapes.invoiceCurrency = false;
      const spend = spendOf((await read({}, { currency: 'EUR' })).reading);
      expect(spend.BilledCost?.toString()).toBe('283.82 EUR');
      expect(spend.missing).toEqual([
        {
          part: 'currency',
          endpoint: 'GET /billing/v3/invoices',
          reason: 'none of the 1 latest invoices names an ISO 4217 currency_code',
        },
      ]);
    });

    it('does not take an unknown currency code for one', async () => {
      sim.options.currency = 'ZZZ';
      const spend = spendOf((await read()).reading);
      expect(spend.BilledCost?.toString()).toBe('283.82 USD');
      expect(spend.missing?.[0]?.reason).toBe(
        'none of the 1 latest invoices names an ISO 4217 currency_code (got "ZZZ")',
      );
    });

    it.each([403, 404, 500])(
      'reads the figure when the invoices answer %i, in the setting',
      async (status) => {
        sim.fail(INVOICES, status);
        const spend = spendOf((await read({}, { currency: 'GBP' })).reading);
        expect(spend.BilledCost?.toString()).toBe('283.82 GBP');
        expect(spend.missing).toEqual([
          {
            part: 'currency',
            endpoint: 'GET /billing/v3/invoices',
            reason: expect.stringMatching(new RegExp(`^HTTP ${status}: `)),
          },
        ]);
        expect(spend.sources).toEqual(['GET /billing/v3/invoices/month-to-date']);
      },
    );

    it('stands on the setting without a mark for an account with no invoice yet', async () => {
      answer(INVOICES, { data: [], meta: { next_cursor: '' } });
      const spend = spendOf((await read()).reading);
      expect(spend.BilledCost?.toString()).toBe('283.82 USD');
      expect(spend.missing).toBeUndefined();
    });

    it('is an ISO 4217 code in the config, USD by default', () => {
      const parse = (fields: object) =>
        fastly.account.parse({ provider: 'fastly', credentials: { apiToken: 'env:F' }, ...fields });
      expect(parse({}).currency).toBe('USD');
      expect(parse({ currency: 'JPY' }).currency).toBe('JPY');
      expect(() => parse({ currency: 'usd' })).toThrow(/expected an ISO 4217 currency code such as USD/);
    });
  });

  describe('the month-to-date invoice', () => {
    it('without billing dates is the UTC calendar month by the clock, marked as inferred', async () => {
      sim.options.shapes.mtdBillingDates = false;
      const spend = spendOf((await read()).reading);
      expect(spend.BillingPeriodStart.toISOString()).toBe('2026-11-01T00:00:00.000Z');
      expect(spend.BillingPeriodEnd.toISOString()).toBe('2026-12-01T00:00:00.000Z');
      expect(spend.missing).toEqual([
        {
          part: 'billingPeriod',
          endpoint: 'GET /billing/v3/invoices/month-to-date',
          reason:
            'the month-to-date invoice has no billing_start_date or billing_end_date; the UTC calendar month is assumed, as Fastly bills by it',
        },
      ]);
    });

    it('without its total fails loudly, never reads as zero', async () => {
      answer(MTD, { billing_start_date: '2026-11-01T00:00:00Z', transaction_line_items: [] });
      const error = await providerErrorOf(read().then(({ reading }) => reading));
      expect(error.kind).toBe('invalid-response');
      expect(error.message).toMatch(/field "monthly_transaction_amount".*got nothing/);
    });

    it('reads nulls for optional strings, numbers as text and extra fields', async () => {
      Object.assign(sim.options.shapes, { nullOptionals: true, numbersAsText: true, extraFields: true });
      const spend = spendOf((await read(USAGE_AND_BREAKDOWN)).reading);
      expect(spend.BilledCost?.toString()).toBe('283.82 USD');
      const [line, usage] = spend.lines;
      expect(line).toMatchObject({ ServiceName: 'North America Bandwidth', RegionName: undefined });
      expect(line?.BilledCost?.toString()).toBe('283.82 USD');
      expect(line?.ConsumedQuantity?.toString()).toBe('2300');
      expect(usage?.ConsumedQuantity?.toString()).toBe('2300');
      expect(spend.missing).toBeUndefined();
    });

    it('keeps line items whose optional fields are mistyped, and drops elements that are not items', async () => {
      answer(MTD, {
        monthly_transaction_amount: '10.00',
        billing_start_date: '2026-11-01T00:00:00Z',
        billing_end_date: null,
        invoice_id: 42,
        transaction_line_items: [
          { description: 'Asia Requests', amount: '10.00', units: null, region: 7, usage_type: ['Requests'] },
          { description: 'Odd', amount: 'ten', rate: {} },
          'not an item',
          null,
        ],
      });
      const spend = spendOf((await read()).reading);
      expect(spend.BillingPeriodEnd.toISOString()).toBe('2026-12-01T00:00:00.000Z');
      expect(spend.lines.map((l) => [l.ChargeDescription, l.BilledCost?.toString(), l.RegionName])).toEqual([
        ['Asia Requests', '10 USD', undefined],
        ['Odd', undefined, undefined],
      ]);
    });

    it('reads a body whose line items are not a list as one without lines', async () => {
      answer(MTD, { monthly_transaction_amount: '10.00', transaction_line_items: { oops: true } });
      const spend = spendOf((await read()).reading);
      expect(spend.BilledCost?.toString()).toBe('10 USD');
      expect(spend.lines).toEqual([]);
    });
  });

  describe('GET /billing/v3/service-usage-metrics', () => {
    beforeEach(() => {
      sim.options.serviceUsage = [
        {
          usageType: 'North America Bandwidth',
          unit: 'GB',
          byMonth: { '2026-11': [{ service_id: 'svc1', service_name: 'www', usage_units: 2000 }] },
        },
      ];
    });

    it('failing (500) leaves the usage whole and the breakdown missing', async () => {
      sim.fail(SERVICE_USAGE, 500);
      const spend = spendOf((await read(USAGE_AND_BREAKDOWN)).reading);
      const usage = spend.lines.filter((line) => line.ServiceName === 'cdn_usage');
      expect(usage.map((l) => [l.ResourceId, l.ConsumedQuantity?.toString()])).toEqual([[undefined, '2300']]);
      expect(spend.missing).toEqual([
        {
          part: 'breakdown',
          endpoint: 'GET /billing/v3/service-usage-metrics',
          reason: expect.stringMatching(/^HTTP 500: /),
        },
      ]);
      expect(spend.sources).not.toContain('GET /billing/v3/service-usage-metrics');
    });

    it('answering another usage type than asked is a missing breakdown, not a mislabelled one', async () => {
      sim.inject(SERVICE_USAGE, {
        kind: 'rewrite',
        body: (body) => ({ data: { ...(body as { data: object }).data, usage_type: 'Asia Requests' } }),
      });
      const spend = spendOf((await read(USAGE_AND_BREAKDOWN)).reading);
      expect(spend.missing?.[0]).toMatchObject({
        part: 'breakdown',
        reason: 'asked for usage type "North America Bandwidth", Fastly answered "Asia Requests"',
      });
    });

    it.each([
      ['a body without data', {}],
      ['services without usage units', { data: { details: [{ service_id: 'svc1' }, 'x'] } }],
    ])('reads %s as no service usage', async (_, body) => {
      answer(SERVICE_USAGE, body);
      const spend = spendOf((await read(USAGE_AND_BREAKDOWN)).reading);
      const usage = spend.lines.filter((line) => line.ServiceName === 'cdn_usage');
      expect(usage.map((l) => [l.ResourceId, l.ConsumedQuantity?.toString()])).toEqual([[undefined, '2300']]);
      expect(spend.missing).toBeUndefined();
    });

    const manyUsageTypes = () => {
      const types = Array.from({ length: 41 }, (_, i) => `Type ${i}`);
      answer(USAGE, {
        data: [
          ...types.map((type) => ({ product_id: 'cdn_usage', usage_type: type, quantity: 1, unit: 'GB' })),
          { usage_type: 'Orphan', quantity: 1 },
        ],
      });
    };

    it('stops asking after the first failure', async () => {
      manyUsageTypes();
      sim.fail(SERVICE_USAGE, 403);
      const spend = spendOf((await read(USAGE_AND_BREAKDOWN)).reading);
      expect(spend.missing?.map((m) => m.part)).toEqual(['breakdown']);
      // The calls already in flight when the first one failed, no more.
      expect(sim.calls(SERVICE_USAGE).length).toBeLessThanOrEqual(3);
    });

    it('says which usage types it could not ask for: no product_id, or over the per-read limit', async () => {
      manyUsageTypes();
      const spend = spendOf((await read(USAGE_AND_BREAKDOWN)).reading);
      expect(sim.calls(SERVICE_USAGE)).toHaveLength(40);
      expect(spend.missing).toEqual([
        {
          part: 'breakdown',
          endpoint: 'GET /billing/v3/service-usage-metrics',
          reason:
            '2 of 42 usage types were not split by service (1 without product_id or usage_type, 1 over the 40 split per read)',
        },
      ]);
    });
  });

  describe('closed invoices', () => {
    it('history: a currency from the newest invoice naming one, skipping invoices it cannot place', async () => {
      const invoice = (month: string, fields: object) => ({
        invoice_id: `4${month}`,
        billing_start_date: `${month}-01T00:00:00Z`,
        monthly_transaction_amount: 100,
        ...fields,
      });
      answer(INVOICES, {
        data: [
          invoice('2026-10', {}),
          invoice('2026-09', { currency_code: 'EUR', monthly_transaction_amount: '50.5' }),
          invoice('2026-08', { billing_start_date: null }),
          invoice('2026-07', { monthly_transaction_amount: null }),
          'not an invoice',
        ],
      });
      const { source, logger } = connect();
      const history = await source.history?.(6);
      expect(history?.map((m) => `${m.month} ${m.BilledCost}`)).toEqual([
        '2026-10 100 EUR',
        '2026-09 50.5 EUR',
      ]);
      const warnings = logger.records().filter((r) => r.level === 'warn');
      expect(warnings.map((r) => [r.message, r.invoice])).toEqual([
        ['fastly invoice names no ISO 4217 currency_code: another source stands in', '42026-10'],
        [
          'fastly invoice skipped in the history: it has no billing_start_date, so its month is unknown',
          '42026-08',
        ],
        ['fastly invoice skipped in the history: it has no monthly_transaction_amount', '42026-07'],
      ]);
    });

    it("fetchInvoice: an invoice without a currency is in the account's setting, with a warning", async () => {
      sim.options.shapes.invoiceCurrency = false;
      const { source, logger } = connect({ currency: 'EUR' });
      const invoice = await fetchInvoice(source, '4202610');
      expect(invoice.BilledCost.toString()).toBe('382.54 EUR');
      expect(logger.lines.join('\n')).toMatch(/names no ISO 4217 currency_code/);
    });

    it('fetchInvoice: an invoice without billing_start_date names the field', async () => {
      answer('/billing/v3/invoices/4202610', { invoice_id: '4202610', monthly_transaction_amount: 1 });
      const error = await providerErrorOf(fetchInvoice(connect().source, '4202610'));
      expect(error.message).toMatch(/no billing_start_date, so its month is unknown/);
    });
  });

  it('v2: reads nulls and extra fields', async () => {
    sim.options.v2 = true;
    Object.assign(sim.options.shapes, { nullOptionals: true, extraFields: true });
    const v2 = { api: 'v2', customerId: sim.options.customerId };
    expect(spendOf((await read({}, v2)).reading).BilledCost?.toString()).toBe('283.82 USD');
    answer('/billing/v2/account_customers/cust-1/mtd_invoice', {
      start_time: null,
      end_time: null,
      total: { cost: 12.5, plan_code: null, extras: 'x' },
      line_items: [{ description: null, units: '3', amount: 12.5, service_type: null }, 7],
    });
    const spend = spendOf((await read({}, { api: 'v2', customerId: 'cust-1' })).reading);
    expect(spend.BilledCost?.toString()).toBe('12.5 USD');
    // Without start_time, the UTC month of the reply's Date (the loopback server's own clock here).
    expect(spend.BillingPeriodStart.getUTCDate()).toBe(1);
    expect(spend.lines.map((l) => [l.ChargeDescription, l.ConsumedQuantity?.toString()])).toEqual([
      [undefined, '3'],
    ]);
  });
});
