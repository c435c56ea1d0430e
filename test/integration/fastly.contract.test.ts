/**
 * Spec drift: the Fastly simulator's bodies are checked against the generated SDK model docs (every
 * field documented, with the documented type) and against the invoice and error bodies observed live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyDay, FastlySimulator } from '../../dev/simulators/fastly.ts';
import { specText } from '../support/specs.ts';

const spec = (file: string) => specText('fastly', file);
const TOKEN = 'fastly-token-contract';

/** Field -> type cell ("String", "[Invoicelineitems]", "{String: BillingRegions}") of a model doc. */
function modelFields(model: string): Map<string, string> {
  const text = ['sdk-docs-v3', 'sdk-docs-v2-removed']
    .map((dir) => {
      try {
        return spec(`${dir}/${model}.md`);
      } catch {
        return '';
      }
    })
    .join('');
  if (!text) throw new Error(`no model doc for ${model}`);
  return fieldTable(text);
}

function fieldTable(markdown: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const match of markdown.matchAll(/^\*\*(\w+)\*\* \| \[?\*\*(.+?)\*\*/gm))
    fields.set(match[1]!, match[2]!);
  return fields;
}

/** Problems of `value` against the documented `type` ("" when it conforms). */
function drift(value: unknown, type: string, path: string): string[] {
  const list = /^\[(.+)\]$/.exec(type);
  if (list) {
    if (!Array.isArray(value)) return [`${path}: expected an array (${type})`];
    return value.flatMap((item, i) => drift(item, list[1]!, `${path}[${i}]`));
  }
  const map = /^\{String: (.+)\}$/.exec(type);
  if (map) {
    if (typeof value !== 'object' || value === null) return [`${path}: expected a map (${type})`];
    return Object.entries(value).flatMap(([key, item]) => drift(item, map[1]!, `${path}.${key}`));
  }
  switch (type) {
    case 'String':
      return typeof value === 'string' ? [] : [`${path}: expected a string, got ${JSON.stringify(value)}`];
    case 'Number':
      return typeof value === 'number' ? [] : [`${path}: expected a number, got ${JSON.stringify(value)}`];
    case 'Date':
      return typeof value === 'string' && /T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)
        ? []
        : [`${path}: expected an ISO 8601 date-time, got ${JSON.stringify(value)}`];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${path}: expected ${type}`];
  const fields = modelFields(type);
  return Object.entries(value).flatMap(([key, item]) => {
    const fieldType = fields.get(key);
    return fieldType === undefined
      ? [`${path}.${key}: not a field of ${type}`]
      : drift(item, fieldType, `${path}.${key}`);
  });
}

/** JSON type per key, to compare shapes with an observed body. */
const shape = (body: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Array.isArray(v) ? 'array' : typeof v]));

describe('Fastly simulator against the published contract', () => {
  // August 2026: July is closed, like the observed July invoice.
  const now = new Date('2026-08-15T12:00:00Z');
  const sim = new FastlySimulator({
    apiTokens: [TOKEN],
    now: () => now,
    v2: true,
    daily: everyDay('2026-07', () => [
      { description: 'Asia Requests', amount: 9.42, units: 4710.2, region: 'Asia', usageType: 'Requests' },
    ]),
    serviceUsage: [
      {
        usageType: 'Asia Requests',
        unit: 'unit',
        byMonth: { '2026-07': [{ service_id: 'svc1', service_name: 'www', usage_units: 4710.2 }] },
      },
    ],
  });
  const get = async (path: string, token = TOKEN) => {
    const response = await fetch(`${sim.url}${path}`, { headers: { 'Fastly-Key': token } });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as never };
  };

  beforeAll(async () => {
    await sim.start();
  });
  afterAll(() => sim.stop());

  it('the drift check itself flags undocumented fields and wrong types', () => {
    expect(drift({ invoice_id: 7, extra: 1 }, 'Invoice', 'body')).toEqual([
      'body.invoice_id: expected a string, got 7',
      'body.extra: not a field of Invoice',
    ]);
  });

  it.each([
    ['/billing/v3/invoices/month-to-date', 'MtdInvoiceResponse'],
    ['/billing/v3/invoices?limit=5', 'ListEomInvoicesResponse'],
    ['/billing/v3/invoices/4202607', 'EomInvoiceResponse'],
    ['/billing/v3/usage-metrics?start_month=2026-06&end_month=2026-08', 'Usagemetrics'],
    ['/billing/v3/service-usage-metrics?start_month=2026-07&end_month=2026-07', 'Serviceusagemetrics'],
    ['/billing/v2/account_customers/1ANZTs0lHGHkWxRmlHUfJQ/mtd_invoice', 'BillingEstimateResponse'],
    ['/billing/v2/year/2026/month/07', 'BillingResponse'],
    ['/billing/v2/account_customers/1ANZTs0lHGHkWxRmlHUfJQ/invoices/4202607', 'BillingResponse'],
  ])('GET %s matches the %s model', async (path, model) => {
    const { status, body } = await get(path);
    expect(status).toBe(200);
    expect(drift(body, model, 'body')).toEqual([]);
  });

  it('matches the models in the other shapes they allow: one Usagemetric, optional fields absent', async () => {
    const modelShapes = { ...sim.options.shapes };
    Object.assign(sim.options.shapes, {
      usageMetrics: 'lone',
      invoiceCurrency: false,
      mtdBillingDates: false,
    });
    try {
      const usage = await get('/billing/v3/usage-metrics?start_month=2026-07&end_month=2026-07');
      expect(drift(usage.body, 'Usagemetric', 'body')).toEqual([]);
      expect(usage.body).toMatchObject({ usage_type: 'Asia Requests', quantity: 146016.2 });
      const mtd = await get('/billing/v3/invoices/month-to-date');
      expect(drift(mtd.body, 'MtdInvoiceResponse', 'body')).toEqual([]);
      expect(mtd.body).not.toHaveProperty('billing_start_date');
      const invoices = await get('/billing/v3/invoices?limit=5');
      expect(drift(invoices.body, 'ListEomInvoicesResponse', 'body')).toEqual([]);
      expect((invoices.body as { data: object[] }).data[0]).not.toHaveProperty('currency_code');
    } finally {
      Object.assign(sim.options.shapes, modelShapes);
    }
  });

  it('keeps the month-to-date total a string and the closed invoice total a number', async () => {
    const mtd = await get('/billing/v3/invoices/month-to-date');
    expect(typeof (mtd.body as { monthly_transaction_amount: unknown }).monthly_transaction_amount).toBe(
      'string',
    );
    expect(mtd.body).not.toHaveProperty('currency_code');
    const invoice = await get('/billing/v3/invoices/4202607');
    expect((invoice.body as { monthly_transaction_amount: unknown }).monthly_transaction_amount).toBe(292.02);
  });

  it('serves invoices shaped like the one observed live', async () => {
    const observed = JSON.parse(spec('example.v3-invoice.THIRD-PARTY-observed.json'));
    const documented = modelFields('Invoice');
    const { body } = await get('/billing/v3/invoices/4202607');
    const invoice = body as Record<string, unknown>;
    const observedDocumented = Object.fromEntries(
      Object.entries(shape(observed)).filter(([k]) => documented.has(k)),
    );
    expect(shape(invoice)).toEqual(observedDocumented);
    // Same month, same date convention: the end names the last day at midnight.
    for (const field of ['billing_start_date', 'billing_end_date', 'invoice_posted_on']) {
      expect(invoice[field]).toBe(observed[field]);
    }
    const [line] = invoice.transaction_line_items as Record<string, unknown>[];
    expect(shape(line!)).toEqual(shape(observed.transaction_line_items[0]));
  });

  it('answers errors in the observed shape, with fields of the Error model', async () => {
    const observed = spec('example.v3-error-404.THIRD-PARTY-observed.json');
    const errorModel = fieldTable(spec('fastly-py.status-codes-and-error.md').split('# Error')[1]!);
    const missing = await get('/billing/v3/invoices/123');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(JSON.parse(observed.replace('<id>', '123')));
    const unauthorized = await get('/billing/v3/invoices', 'wrong-token');
    expect(unauthorized.status).toBe(401);
    for (const body of [missing.body, unauthorized.body]) {
      expect(Object.keys(body).filter((k) => !errorModel.has(k))).toEqual([]);
    }
  });

  it('enforces the documented parameters', async () => {
    expect((await get('/billing/v3/usage-metrics?start_month=2026-07')).status).toBe(400);
    expect((await get('/billing/v3/usage-metrics?start_month=2026-01&end_month=2026-04')).status).toBe(400);
    expect((await get('/billing/v3/invoices?limit=201')).status).toBe(400);
    expect((await get('/billing/v3/service-usage-metrics?limit=10001')).status).toBe(400);
    expect((await get('/billing/v3/invoices?cursor=unknown')).status).toBe(400);
  });
});
