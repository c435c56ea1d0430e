import { describe, expect, it } from 'vitest';
import {
  EomInvoice,
  MtdInvoice,
  ServiceUsageMetrics,
  UsageMetrics,
  V2Invoice,
} from '../../../../lib/providers/fastly/schemas.ts';

const quantities = (body: unknown) =>
  UsageMetrics.parse(body).data.map((m) => [m.usage_type ?? m.name, m.quantity?.toString()]);

describe('UsageMetrics: both bodies the official files allow', () => {
  it('reads the Usagemetrics wrapper, elements that are not metrics dropped', () => {
    expect(
      quantities({
        data: [{ usage_type: 'Asia Requests', quantity: 2 }, null, { name: 'EU Bandwidth', quantity: '1.5' }],
      }),
    ).toEqual([
      ['Asia Requests', '2'],
      ['EU Bandwidth', '1.5'],
    ]);
    expect(quantities({ data: [] })).toEqual([]);
  });

  it('reads a lone Usagemetric (the SDKs declared 200 body) that names its usage type and a quantity', () => {
    expect(quantities({ usage_type: 'Asia Requests', quantity: 7, extra: true })).toEqual([
      ['Asia Requests', '7'],
    ]);
    expect(quantities({ name: 'Asia Requests', quantity: '0' })).toEqual([['Asia Requests', '0']]);
  });

  it.each([
    ['an empty object', {}],
    ['no quantity', { usage_type: 'Asia Requests' }],
    ['no usage type', { quantity: 3 }],
    ['a quantity that is no number', { usage_type: 'Asia Requests', quantity: 'many' }],
    ['data that is not a list', { data: 'none' }],
    ['a list', [{ usage_type: 'Asia Requests', quantity: 1 }]],
  ])('refuses %s: any changed body would otherwise read as no usage', (_, body) => {
    const result = UsageMetrics.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/or one Usagemetric naming its usage_type/);
  });
});

describe('MtdInvoice', () => {
  const base = { monthly_transaction_amount: '12.50' };

  it('needs only its total, as decimal text', () => {
    const mtd = MtdInvoice.parse(base);
    expect(mtd.monthly_transaction_amount).toBe('12.50');
    expect(mtd.billing_start_date).toBeUndefined();
    expect(mtd.transaction_line_items).toEqual([]);
    expect(MtdInvoice.safeParse({}).success).toBe(false);
    // The model types it String: a number would be a changed contract, not a figure to guess at.
    expect(MtdInvoice.safeParse({ monthly_transaction_amount: 12.5 }).success).toBe(false);
  });

  it('reads optional fields that are null, mistyped or zoneless as absent', () => {
    const mtd = MtdInvoice.parse({
      ...base,
      billing_start_date: '2026-11-01T00:00:00',
      billing_end_date: null,
      transaction_line_items: [
        { description: null, amount: '1.25', units: 3, region: 5, credit_coupon_code: null, payment: 'x' },
        7,
      ],
    });
    expect(mtd.billing_start_date).toBeUndefined();
    expect(mtd.billing_end_date).toBeUndefined();
    expect(mtd.transaction_line_items).toHaveLength(1);
    const [item] = mtd.transaction_line_items;
    expect(item?.amount?.toString()).toBe('1.25');
    expect(item?.units?.toString()).toBe('3');
    expect(item?.description).toBeUndefined();
    expect(item?.region).toBeUndefined();
  });
});

describe('EomInvoice and V2Invoice', () => {
  it('take a numeric invoice_id as its text and every other field as optional', () => {
    expect(EomInvoice.parse({ invoice_id: 4183280 })).toMatchObject({ invoice_id: '4183280' });
    expect(EomInvoice.parse({ currency_code: null, monthly_transaction_amount: 'n/a' })).toEqual({
      invoice_id: undefined,
      billing_start_date: undefined,
      billing_end_date: undefined,
      currency_code: undefined,
      monthly_transaction_amount: undefined,
      transaction_line_items: [],
    });
  });

  it('v2 needs only its total cost', () => {
    expect(V2Invoice.safeParse({ total: {} }).success).toBe(false);
    const invoice = V2Invoice.parse({
      total: { cost: '3.5', plan_code: null },
      line_items: null,
      status: 'x',
    });
    expect(invoice.total.cost.toString()).toBe('3.5');
    expect(invoice.line_items).toEqual([]);
  });
});

describe('ServiceUsageMetrics', () => {
  it('reads data as one usage type, or none', () => {
    const page = ServiceUsageMetrics.parse({
      data: {
        usage_type: 'Asia Requests',
        details: [{ service_id: 's', usage_units: '2' }],
        meta: { next_cursor: null },
      },
    });
    expect(page.data?.details[0]?.usage_units?.toString()).toBe('2');
    expect(page.data?.meta?.next_cursor).toBeUndefined();
    expect(ServiceUsageMetrics.parse({ data: [] }).data).toBeUndefined();
  });
});
