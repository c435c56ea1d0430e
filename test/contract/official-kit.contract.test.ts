/**
 * The test kit that turns the providers' own API definitions into body generators: each reader
 * finds the schemas the clients are tested against, and what the arbitrary generates is what the
 * schema allows (held against an independent validator) in every shape it allows.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitraryOf, withFieldMissing } from '../support/official/arbitrary.ts';
import { cloudflareEnvelope, cloudflareResult } from '../support/official/cloudflare.ts';
import {
  fastlyFieldTypes,
  fastlyGeneratedModels,
  fastlyModel,
  fastlyResponseModel,
} from '../support/official/fastly.ts';
import { officialSpecsMissing } from '../support/official/files.ts';
import { killbillResponse } from '../support/official/killbill.ts';
import type { ObjectSchema, Schema } from '../support/official/schema.ts';
import { soracomResponse } from '../support/official/soracom.ts';
import { schemaProblems } from '../support/official/validate.ts';

const missing = officialSpecsMissing(import.meta.url);

/** A schema's object (itself or, for a list, its items), to look at its fields. */
function objectOf(schema: Schema): ObjectSchema {
  const object = schema.type === 'array' ? schema.items : schema;
  if (object.type !== 'object') throw new Error(`expected an object schema, got ${object.type}`);
  return object;
}

/** Every schema the contract tests generate bodies from, read lazily (the files may be absent). */
const schemasUnderTest = (): [string, Schema][] => [
  ['Fastly MtdInvoiceResponse', fastlyModel('MtdInvoiceResponse')],
  ['Fastly ListEomInvoicesResponse', fastlyModel('ListEomInvoicesResponse')],
  ['Fastly Usagemetric', fastlyModel('Usagemetric')],
  ['Fastly Usagemetrics', fastlyModel('Usagemetrics')],
  ['Fastly Serviceusagemetrics', fastlyModel('Serviceusagemetrics')],
  ['Soracom POST /auth', soracomResponse('POST', '/auth')],
  ['Soracom GET /bills/latest', soracomResponse('GET', '/bills/latest')],
  ['Soracom GET /bills', soracomResponse('GET', '/bills')],
  ['Soracom GET /bills/{yyyyMM}/daily', soracomResponse('GET', '/bills/{yyyyMM}/daily')],
  ['Soracom GET /bills/summaries/bill_items', soracomResponse('GET', '/bills/summaries/bill_items')],
  ['Soracom GET /bills/summaries/sims', soracomResponse('GET', '/bills/summaries/sims')],
  [
    'Cloudflare billable-usage',
    cloudflareEnvelope(cloudflareResult('GET', '/accounts/{account_id}/billable-usage')),
  ],
  [
    'Cloudflare billable-usage/info',
    cloudflareEnvelope(cloudflareResult('GET', '/accounts/{account_id}/billable-usage/info')),
  ],
  [
    'Cloudflare billing/profile',
    cloudflareEnvelope(cloudflareResult('GET', '/accounts/{account_id}/billing/profile')),
  ],
  ['Cloudflare billable/usage (v2, Tags)', cloudflareResult('GET', '/accounts/{account_id}/billable/usage')],
  ['Kill Bill RolledUpUsage', killbillResponse('GET', '/1.0/kb/usages/{subscriptionId}')],
  ['Kill Bill Invoice', killbillResponse('POST', '/1.0/kb/invoices/dryRun')],
];

describe.skipIf(missing)('official definitions read into the kit schema form', () => {
  it('Soracom: /bills/latest is GetLatestBill with its three optional fields', () => {
    const latest = soracomResponse('GET', '/bills/latest');
    expect(latest).toMatchObject({
      type: 'object',
      title: 'GetLatestBill',
      required: [],
      properties: {
        amount: { type: 'number', format: 'double' },
        currency: { type: 'string', enum: ['JPY', 'USD', 'EUR'] },
        lastEvaluatedTime: { type: 'string' },
      },
    });
  });

  it('Soracom: a $ref inside a $ref inside an inline array is resolved', () => {
    const sims = soracomResponse('GET', '/bills/summaries/sims');
    expect(sims.type).toBe('array');
    expect(objectOf(sims).title).toBe('BillingSummaryResponseOfSims');
    expect(objectOf(objectOf(sims).properties.costBreakdownList!)).toMatchObject({
      title: 'SimCostBreakdown',
      properties: { amount: { type: 'number' }, simId: { type: 'string' } },
    });
  });

  it('Kill Bill: GET /1.0/kb/usages/{subscriptionId} is RolledUpUsage (Swagger 2 definitions)', () => {
    const usage = objectOf(killbillResponse('GET', '/1.0/kb/usages/{subscriptionId}'));
    expect(usage).toMatchObject({
      title: 'RolledUpUsage',
      properties: { subscriptionId: { format: 'uuid' }, startDate: { format: 'date-time' } },
    });
    expect(objectOf(usage.properties.rolledUpUnits!)).toMatchObject({
      title: 'RolledUpUnit',
      properties: { unitType: { type: 'string' }, amount: { type: 'number' } },
    });
  });

  it('Kill Bill: an Invoice’s InvoiceItem, which holds InvoiceItems, is read one level deep, then cut', () => {
    const item = objectOf(objectOf(killbillResponse('POST', '/1.0/kb/invoices/dryRun')).properties.items!);
    expect(item.title).toBe('InvoiceItem');
    const child = objectOf(item.properties.childItems!);
    expect(child).toMatchObject({ title: 'InvoiceItem', properties: { amount: { type: 'number' } } });
    const cut = child.properties.childItems as { items: unknown };
    expect(cut.items).toEqual({ type: 'never', title: 'InvoiceItem' });
    // The generated lists at the cut are empty; the level above holds items.
    const bodies = fc.sample(
      arbitraryOf(killbillResponse('POST', '/1.0/kb/invoices/dryRun'), { longListLength: 8 }),
      {
        numRuns: 200,
        seed: 7,
      },
    ) as { items?: { childItems?: { childItems?: unknown[] }[] }[] }[];
    const children = bodies.flatMap((b) => b.items ?? []).flatMap((i) => i.childItems ?? []);
    expect(children.length).toBeGreaterThan(0);
    expect(children.every((c) => c.childItems === undefined || c.childItems.length === 0)).toBe(true);
  });

  it('Fastly: the API docs name each endpoint’s model; usage-metrics returns one Usagemetric', () => {
    expect(fastlyResponseModel('GET', '/billing/v3/invoices/month-to-date')).toBe('MtdInvoiceResponse');
    expect(fastlyResponseModel('GET', '/billing/v3/invoices')).toBe('ListEomInvoicesResponse');
    expect(fastlyResponseModel('GET', '/billing/v3/usage-metrics')).toBe('Usagemetric');
    expect(fastlyResponseModel('GET', '/billing/v3/service-usage-metrics')).toBe('Serviceusagemetrics');
  });

  it('Fastly: the model docs agree with the generated models, field for field', () => {
    const models = fastlyGeneratedModels();
    expect(models).toContain('MtdInvoiceResponse');
    for (const model of models) {
      const { doc, generated } = fastlyFieldTypes(model);
      expect(generated, model).toEqual(doc);
    }
  });

  it('Fastly: types of the model tables (Date, String amounts, lists of models, every field optional)', () => {
    const mtd = objectOf(fastlyModel('MtdInvoiceResponse'));
    expect(mtd.required).toEqual([]);
    expect(mtd.properties.billing_start_date).toEqual({ type: 'string', format: 'date-time' });
    expect(mtd.properties.monthly_transaction_amount).toEqual({ type: 'string' });
    expect(objectOf(mtd.properties.transaction_line_items!).title).toBe('Mtdlineitems');
    const serviceUsage = objectOf(fastlyModel('Serviceusagemetrics'));
    // `data` is one object here, not a list.
    expect(serviceUsage.properties.data).toMatchObject({ type: 'object', title: 'ServiceusagemetricsData' });
  });

  it('Cloudflare: declarations read with the compiler API (required, `| null`, literals, maps)', () => {
    const records = cloudflareResult('GET', '/accounts/{account_id}/billable-usage');
    expect(records.type).toBe('array');
    const record = objectOf(records);
    expect(record.title).toBe('UsageGetAccountUsageV1Response.UsageGetAccountUsageV1ResponseItem');
    expect(record.required).toEqual(
      expect.arrayContaining(['ContractedCost', 'ChargePeriodStart', 'BillingCurrency']),
    );
    expect(record.required).not.toContain('ZoneId');
    expect(record.properties.ChargeCategory).toEqual({ type: 'string', enum: ['Usage'] });
    expect(record.properties.BillingAccountName).toEqual({ type: 'string', nullable: true });
    const v2 = objectOf(cloudflareResult('GET', '/accounts/{account_id}/billable/usage'));
    expect(v2.properties.Tags).toEqual({
      type: 'object',
      properties: {},
      required: [],
      additionalProperties: { type: 'union', anyOf: [{ type: 'string' }, { type: 'boolean', enum: [true] }] },
    });
    const info = objectOf(cloudflareResult('GET', '/accounts/{account_id}/billable-usage/info'));
    expect(objectOf(info.properties.subscriptions!).required).toEqual([
      'id',
      'billing_cycle_anchor_timestamp',
      'start_timestamp',
    ]);
    expect(objectOf(cloudflareResult('GET', '/accounts/{account_id}/billing/profile')).title).toBe(
      'ProfileGetResponse',
    );
  });
});

describe.skipIf(missing)('arbitraries of the official definitions', () => {
  it('generate only values their schema allows', () => {
    for (const [name, schema] of schemasUnderTest()) {
      fc.assert(
        // Lists kept shorter than the default: each element is generated alike, so length adds nothing here.
        fc.property(arbitraryOf(schema, { longListLength: 40 }), (value) => {
          expect(schemaProblems(schema, value), name).toEqual([]);
        }),
        { numRuns: 40 },
      );
    }
  }, 30_000);

  it('generate every shape: optional fields present and absent, each enum value, empty and long lists, extras', () => {
    const history = soracomResponse('GET', '/bills');
    const bills = fc
      .sample(arbitraryOf(history), { numRuns: 400, seed: 1 })
      .map((body) => (body as { billList?: Record<string, unknown>[] }).billList);
    const all = bills.flatMap((list) => list ?? []);
    expect(bills.some((list) => list === undefined)).toBe(true);
    expect(bills.some((list) => list?.length === 0)).toBe(true);
    expect(Math.max(...bills.map((list) => list?.length ?? 0))).toBeGreaterThan(100);
    expect(all.some((bill) => 'currency' in bill) && all.some((bill) => !('currency' in bill))).toBe(true);
    expect(new Set(all.map((bill) => bill.state))).toEqual(new Set([undefined, 'temporary', 'closed']));
    expect(new Set(all.map((bill) => bill.currency))).toEqual(new Set([undefined, 'JPY', 'USD', 'EUR']));
    const known = Object.keys(objectOf(objectOf(history).properties.billList!).properties);
    expect(all.some((bill) => Object.keys(bill).some((key) => !known.includes(key)))).toBe(true);
    const amounts = all.map((bill) => bill.amount).filter((a): a is number => typeof a === 'number');
    expect(amounts.some((a) => !Number.isInteger(a)) && amounts.some((a) => Math.abs(a) > 1e9)).toBe(true);
    expect(amounts.some((a) => Math.abs(a) > 0 && Math.abs(a) < 0.001)).toBe(true);
  });

  it('generate null where a field is nullable, and never where it is not', () => {
    const envelope = cloudflareEnvelope(cloudflareResult('GET', '/accounts/{account_id}/billable-usage'));
    const records = fc
      .sample(arbitraryOf(envelope, { longListLength: 20 }), { numRuns: 100, seed: 2 })
      .flatMap((body) => (body as { result: Record<string, unknown>[] }).result);
    expect(
      records.some((r) => r.ChargeClass === null) && records.some((r) => typeof r.ChargeClass === 'string'),
    ).toBe(true);
    expect(records.some((r) => r.ContractedCost === null)).toBe(false);
  });

  it('pin fields with overrides and require, refuse paths the schema has not, and send null for optional fields on request', () => {
    const usage = killbillResponse('GET', '/1.0/kb/usages/{subscriptionId}');
    const pinned = arbitraryOf(usage, {
      require: ['rolledUpUnits', 'rolledUpUnits[].amount', 'rolledUpUnits[].unitType'],
      overrides: { 'rolledUpUnits[].unitType': fc.constant('api-calls') },
      nullForOptional: true,
      longListLength: 10,
    });
    const bodies = fc.sample(pinned, { numRuns: 200, seed: 3 }) as Record<string, unknown>[];
    const units = bodies.flatMap((b) => b.rolledUpUnits as Record<string, unknown>[]);
    expect(units.every((u) => typeof u.amount === 'number' && u.unitType === 'api-calls')).toBe(true);
    expect(Math.max(...bodies.map((b) => (b.rolledUpUnits as unknown[]).length))).toBeLessThanOrEqual(10);
    expect(bodies.some((b) => b.subscriptionId === null)).toBe(true);
    expect(() => arbitraryOf(usage, { require: ['rolledUpUnits[].amonut'] })).toThrow(
      /rolledUpUnits\[\]\.amonut/,
    );
  });

  it('take a figure field away from one element, as absent or null', () => {
    const usage = killbillResponse('GET', '/1.0/kb/usages/{subscriptionId}');
    const bodies = withFieldMissing(
      arbitraryOf(usage, { require: ['rolledUpUnits', 'rolledUpUnits[].amount'] }),
      ['rolledUpUnits[].amount'],
    );
    for (const { body, missing } of fc.sample(bodies, { numRuns: 100, seed: 4 })) {
      const units = (body as { rolledUpUnits: Record<string, unknown>[] }).rolledUpUnits;
      const index = Number(/^rolledUpUnits\[(\d+)\]\.amount \((absent|null)\)$/.exec(missing)?.[1]);
      expect(units.filter((u) => typeof u.amount !== 'number')).toEqual([units[index]]);
    }
  });

  it('are checked by a validator that does reject what the schema does not allow', () => {
    const latest = soracomResponse('GET', '/bills/latest');
    expect(schemaProblems(latest, { amount: '12', currency: 'GBP', lastEvaluatedTime: null })).toEqual([
      '(body).amount: expected a finite number, got "12"',
      '(body).currency: expected one of JPY, USD, EUR, got "GBP"',
      '(body).lastEvaluatedTime: null',
    ]);
    const usage = killbillResponse('GET', '/1.0/kb/usages/{subscriptionId}');
    expect(schemaProblems(usage, { startDate: '2026-11-01T00:00:00', subscriptionId: 'x' })).toHaveLength(2);
    const envelope = cloudflareEnvelope(
      cloudflareResult('GET', '/accounts/{account_id}/billable-usage/info'),
    );
    expect(schemaProblems(envelope, { success: true, errors: [{}], messages: [], result: {} })).toEqual([
      '(body).errors: expected at most 0 items, got [{}]',
      '(body).result.covered: missing',
      '(body).result.subscriptions: missing',
    ]);
  });
});
