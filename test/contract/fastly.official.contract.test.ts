/**
 * The Fastly client (Billing v3) against bodies generated from fastly-js's own model docs, one
 * endpoint at a time, the others answering plausibly; served by a loopback server and read through
 * the registry. Every field of every model is optional in the docs.
 *
 * What each figure needs, pinned present (the rest is as the models allow):
 * - month-to-date: `monthly_transaction_amount`, typed String: pinned to decimal text;
 * - invoice list: for the history, `data`, each invoice's `monthly_transaction_amount` and
 *   `billing_start_date` (its month, pinned to months around the ones asked for); `currency_code`
 *   ("Three-letter code", typed String) stays optional but is an ISO code when present, one per body;
 * - usage metrics: `quantity` of each metric (and `data` in the list shape, `usage_type` of a lone one);
 * - service usage: `data`, `data.details` and each service's `usage_units`; `data.usage_type`, when
 *   present, the one asked for. It is asked per usage type the usage metrics name, so they are
 *   served naming one to three.
 * Without what it needs, a side call's part is missing and the headline stands.
 * Paged endpoints are served as 1-3 pages chained by `next_cursor`.
 */
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimReply, SimRequest } from '../../dev/simulators/kit.ts';
import { ProviderError } from '../../lib/http/index.ts';
import { type Decimal, decimal } from '../../lib/money/index.ts';
import type { SpendSource } from '../../lib/providers/types.ts';
import type { SpendLine, SpendReading } from '../../lib/spend/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { arbitraryOf, dateTimeText, decimalText, withFieldMissing } from '../support/official/arbitrary.ts';
import { fastlyModel, fastlyResponseModel } from '../support/official/fastly.ts';
import { officialSpecsMissing } from '../support/official/files.ts';
import { OfficialApiServer } from '../support/official/loopback.ts';
import { contractRuns, PROPERTY_TIMEOUT_MS } from '../support/official/properties.ts';
import { schemaProblems } from '../support/official/validate.ts';
import { connectForTest } from '../support/providers.ts';

const missing = officialSpecsMissing(import.meta.url);

const NOW = new Date('2026-11-23T10:00:00Z');
const MTD = 'GET /billing/v3/invoices/month-to-date';
const INVOICES = 'GET /billing/v3/invoices';
const USAGE = 'GET /billing/v3/usage-metrics';
const SERVICE_USAGE = 'GET /billing/v3/service-usage-metrics';
const CURRENCIES = ['USD', 'EUR', 'JPY', 'GBP', 'AUD', 'BRL', 'KWD'];
const PRODUCT = 'cdn_usage';
const USAGE_TYPES = ['North America Bandwidth', 'Europe Bandwidth', 'Asia Requests'];

const PLAUSIBLE = {
  [MTD]: {
    customer_id: 'x4xCwxxJxGCx123Rx5xTx',
    invoice_id: 'mtd-2026-11',
    billing_start_date: '2026-11-01T00:00:00Z',
    billing_end_date: '2026-11-30T00:00:00Z',
    monthly_transaction_amount: '286.12',
    transaction_line_items: [],
  },
  [INVOICES]: {
    data: [
      {
        customer_id: 'x4xCwxxJxGCx123Rx5xTx',
        invoice_id: '4202610',
        invoice_posted_on: '2026-11-02T07:00:00Z',
        billing_start_date: '2026-10-01T00:00:00Z',
        billing_end_date: '2026-10-31T00:00:00Z',
        statement_number: 'GGXX2XXX-000002',
        currency_code: 'USD',
        monthly_transaction_amount: 385.64,
        transaction_line_items: [],
      },
    ],
    meta: { limit: 1, sort: 'billing_start_date', total: 1 },
  },
  [USAGE]: {
    data: [
      {
        month: '2026-11',
        usage_type: 'North America Bandwidth',
        name: 'North America Bandwidth',
        region: 'North America',
        unit: 'GB',
        quantity: 102.8,
        raw_quantity: 110420132617,
        product_id: 'cdn_usage',
        last_updated_at: '2026-11-23',
      },
    ],
  },
  [SERVICE_USAGE]: {
    data: {
      start_time: '2026-11-01T00:00:00Z',
      end_time: '2026-11-30T23:59:59Z',
      usage_type: 'North America Bandwidth',
      unit: 'GB',
      details: [{ service_id: 'SU1Z0isxPaozGVKXdv0eY', service_name: 'www', usage_units: 1.5 }],
      meta: { limit: 1000, total: 1 },
    },
  },
};
type Endpoint = keyof typeof PLAUSIBLE;
const PLAUSIBLE_MTD_AMOUNT = PLAUSIBLE[MTD].monthly_transaction_amount;

interface Invoice {
  billing_start_date: string;
  currency_code?: string;
  monthly_transaction_amount: number;
}
interface UsageMetric {
  unit?: string;
  quantity: number;
}
interface ServiceUsagePage {
  data: {
    details: { service_id?: string; usage_units: number }[];
    meta?: Record<string, unknown>;
  };
}

/** A usage type's quantity with usage in it (only those are split by service), up to 6 decimals. */
const positiveQuantity = fc
  .tuple(fc.integer({ min: 1, max: 10 ** 12 }), fc.integer({ min: 0, max: 6 }))
  .map(([digits, scale]) => Number(`${digits}e-${scale}`));

/** The model an endpoint returns, as the API docs name it. */
const model = (endpoint: Endpoint) => {
  const [method, path] = endpoint.split(' ') as [string, string];
  return fastlyModel(fastlyResponseModel(method, path));
};

const CURSORS = ['', 'cursor+1/==', 'cursor+2/=='];

/**
 * 1-3 pages chained by next_cursor (`meta` of the object `holder` picks); the last page ends the
 * list as Fastly may: no meta, no next_cursor, or an empty one.
 */
function chainedPages<T>(page: fc.Arbitrary<T>, holder: (page: T) => { meta?: unknown }): fc.Arbitrary<T[]> {
  return fc
    .tuple(
      fc.array(page, { minLength: 1, maxLength: CURSORS.length }),
      fc.constantFrom('no meta', 'no cursor', 'empty'),
    )
    .map(([generated, end]) =>
      generated.map((original, i) => {
        const copy = structuredClone(original);
        const at = holder(copy);
        const meta = { ...(at.meta as object | undefined) } as Record<string, unknown>;
        if (i < generated.length - 1) at.meta = { ...meta, next_cursor: CURSORS[i + 1] };
        else if (end === 'no meta') delete at.meta;
        else if (end === 'empty') at.meta = { ...meta, next_cursor: '' };
        else {
          delete meta.next_cursor;
          at.meta = meta;
        }
        return copy;
      }),
    );
}

/** Serves the page its cursor names. */
const byCursor =
  (pages: unknown[]) =>
  (request: SimRequest): SimReply => {
    const index = CURSORS.indexOf(request.query.get('cursor') ?? '');
    return index >= 0 && index < pages.length
      ? { status: 200, body: pages[index] }
      : { status: 400, body: { title: 'Bad cursor', status: '400' } };
  };

/** Exact sums per key. */
function sums<T>(
  items: T[],
  key: (item: T) => string,
  amount: (item: T) => Decimal | undefined,
): Map<string, string> {
  const totals = new Map<string, Decimal>();
  for (const item of items) {
    const value = amount(item);
    if (value) totals.set(key(item), (totals.get(key(item)) ?? decimal(0)).plus(value));
  }
  return new Map([...totals].map(([k, v]) => [k, v.toFixed()]));
}

/** Exact sums per service ID; what names none is left out. */
const perService = <T>(
  items: T[],
  id: (item: T) => string | undefined,
  units: (item: T) => Decimal | undefined,
) =>
  sums(
    items.filter((item) => id(item) != null),
    (item) => id(item) as string,
    units,
  );

const quantityPerUnit = (lines: SpendLine[]) =>
  sums(
    lines,
    (line) => line.ConsumedUnit ?? '',
    (line) => line.ConsumedQuantity,
  );

describe.skipIf(missing)('Fastly reads every body its model docs allow', () => {
  const server = new OfficialApiServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  const connect = (answers: Partial<Record<Endpoint, unknown>>): SpendSource => {
    server.answer({ ...PLAUSIBLE, ...answers });
    return connectForTest(
      'fastly',
      { baseUrl: server.baseUrl },
      { apiToken: 'fastly-token' },
      fixedClock(NOW),
    ).source;
  };
  const read = (answers: Partial<Record<Endpoint, unknown>>, needs = {}): Promise<SpendReading> =>
    connect(answers).read({ period: monthlyPeriod(NOW, 'UTC'), needs });

  const monthToDateBodies = () =>
    arbitraryOf(model(MTD), {
      require: ['monthly_transaction_amount'],
      overrides: { monthly_transaction_amount: decimalText() },
    });

  it('answers the other endpoints with bodies the models allow', () => {
    for (const [endpoint, body] of Object.entries(PLAUSIBLE)) {
      // usage-metrics is documented as one Usagemetric; the plausible answer is the list wrapper.
      const schema = endpoint === USAGE ? fastlyModel('Usagemetrics') : model(endpoint as Endpoint);
      expect(schemaProblems(schema, body), endpoint).toEqual([]);
    }
  });

  it(
    'month-to-date: BilledCost is exactly monthly_transaction_amount',
    async () => {
      await fc.assert(
        fc.asyncProperty(monthToDateBodies(), async (generated) => {
          const mtd = generated as { monthly_transaction_amount: string };
          const reading = await read({ [MTD]: mtd });
          expect(reading.status).toBe('ok');
          if (reading.status !== 'ok') return;
          expect(reading.spend.BilledCost?.toDecimalString()).toBe(
            decimal(mtd.monthly_transaction_amount).toFixed(),
          );
        }),
        contractRuns(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'month-to-date: fails the read, never reads zero, without monthly_transaction_amount',
    async () => {
      const bodies = withFieldMissing(monthToDateBodies(), ['monthly_transaction_amount']);
      await fc.assert(
        fc.asyncProperty(bodies, async ({ body }) => {
          await expect(read({ [MTD]: body })).rejects.toBeInstanceOf(ProviderError);
        }),
        contractRuns(40),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'invoice list: the month-to-date figure in the latest invoice’s currency, whatever else the list holds',
    async () => {
      const lists = arbitraryOf(model(INVOICES), {
        overrides: { 'data[].currency_code': fc.constantFrom(...CURRENCIES) },
      });
      await fc.assert(
        fc.asyncProperty(lists, async (generated) => {
          const latest = (generated as { data?: Invoice[] }).data?.[0];
          const reading = await read({ [INVOICES]: generated });
          expect(reading.status).toBe('ok');
          if (reading.status !== 'ok') return;
          expect(reading.spend.BilledCost?.toDecimalString()).toBe(PLAUSIBLE_MTD_AMOUNT);
          if (latest?.currency_code) expect(reading.spend.BilledCost?.currency).toBe(latest.currency_code);
        }),
        contractRuns(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'invoice list: the history is the exact sum of each asked month’s invoices, over every page',
    async () => {
      const months = 6; // 2026-05 .. 2026-10; invoices from 2026-03 to 2026-11 are served
      const histories = fc.constantFrom(...CURRENCIES).chain((currency) =>
        chainedPages(
          arbitraryOf(model(INVOICES), {
            require: ['data', 'data[].monthly_transaction_amount', 'data[].billing_start_date'],
            overrides: {
              'data[].billing_start_date': dateTimeText({
                min: new Date('2026-03-01T00:00:00Z'),
                max: new Date('2026-11-30T23:59:59Z'),
              }),
              'data[].currency_code': fc.constant(currency),
            },
          }),
          (page) => page as { meta?: unknown },
        ).map((pages) => ({ currency, pages })),
      );
      await fc.assert(
        fc.asyncProperty(histories, async ({ currency, pages }) => {
          const invoices = pages.flatMap((page) => (page as { data: Invoice[] }).data);
          const history = (await connect({ [INVOICES]: byCursor(pages) }).history?.(months)) ?? [];
          const month = (invoice: Invoice) => new Date(invoice.billing_start_date).toISOString().slice(0, 7);
          const asked = invoices.filter(
            (invoice) => month(invoice) >= '2026-05' && month(invoice) <= '2026-10',
          );
          const expected = sums(asked, month, (invoice) => decimal(invoice.monthly_transaction_amount));
          expect(history.map((total) => total.month)).toEqual([...expected.keys()].sort().reverse());
          expect(new Map(history.map((total) => [total.month, total.BilledCost.toDecimalString()]))).toEqual(
            expected,
          );
          for (const total of history) {
            const billed = asked.some((invoice) => month(invoice) === total.month && invoice.currency_code);
            if (billed) expect(total.BilledCost.currency).toBe(currency);
          }
        }),
        contractRuns(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  /**
   * The documented single Usagemetric, and the list wrapper Usagemetrics {data}: /usage-metrics may
   * answer either. A lone metric is usage only when it names its usage type: with every field
   * optional, anything else would match it (the client takes such a body for a changed one).
   */
  const singleMetric = () => arbitraryOf(fastlyModel('Usagemetric'), { require: ['quantity', 'usage_type'] });
  const metricList = () => arbitraryOf(fastlyModel('Usagemetrics'), { require: ['data', 'data[].quantity'] });
  const usageBodies = () =>
    fc.oneof(
      singleMetric().map((body) => ({ body, metrics: [body as UsageMetric] })),
      metricList().map((body) => ({ body, metrics: (body as { data: UsageMetric[] }).data })),
    );

  it(
    'usage metrics: each unit’s usage is the exact sum of the metrics’ quantity, in either shape',
    async () => {
      await fc.assert(
        fc.asyncProperty(usageBodies(), async ({ body, metrics }) => {
          const reading = await read({ [USAGE]: body }, { usage: true });
          expect(reading.status).toBe('ok');
          if (reading.status !== 'ok') return;
          // Usage budgets count a unit; the plausible month-to-date invoice has no line items of its own.
          const perUnit = sums(
            metrics,
            (metric) => metric.unit ?? '',
            (metric) => decimal(metric.quantity),
          );
          expect(quantityPerUnit(reading.spend.lines)).toEqual(perUnit);
        }),
        contractRuns(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  /** The metrics of a usage metrics body, whichever shape it has. */
  const metricsOf = (body: unknown): UsageMetric[] => {
    const { data } = body as { data?: unknown };
    return Array.isArray(data) ? data : [body as UsageMetric];
  };

  it(
    'usage metrics: a metric without a quantity is missing usage, never zero usage',
    async () => {
      // A body that is not usage as the models describe it is a changed body: the usage part is
      // marked missing (the headline stands), so usage budgets skip rather than read zero.
      const bodies = fc.oneof(
        withFieldMissing(singleMetric(), ['quantity']),
        withFieldMissing(metricList(), ['data[].quantity']),
      );
      await fc.assert(
        fc.asyncProperty(bodies, async ({ body }) => {
          const unmeasured = metricsOf(body).filter((metric) => metric.quantity == null);
          let reading: SpendReading;
          try {
            reading = await read({ [USAGE]: body }, { usage: true });
          } catch (error) {
            expect(error).toBeInstanceOf(ProviderError);
            return;
          }
          expect(reading.status).toBe('ok');
          if (reading.status !== 'ok') return;
          expect(reading.spend.missing?.map((m) => m.part)).toContain('usage');
          const units = new Set(unmeasured.map((metric) => metric.unit));
          expect(reading.spend.lines.filter((line) => units.has(line.ConsumedUnit))).toEqual([]);
        }),
        contractRuns(40),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'service usage: each usage type is its services’ exact usage_units over every page, plus the rest',
    async () => {
      // Service usage is asked per usage type the month's usage metrics name (product_id +
      // usage_type_name), and only for a usage budget with a breakdown.
      const usageTypes = fc.uniqueArray(fc.constantFrom(...USAGE_TYPES), { minLength: 1 });
      const splits = usageTypes.chain((types) =>
        fc.tuple(
          ...types.map((type) =>
            fc.record({
              type: fc.constant(type),
              quantity: positiveQuantity,
              pages: chainedPages(
                arbitraryOf(model(SERVICE_USAGE), {
                  require: ['data', 'data.details', 'data.details[].usage_units'],
                  // The one asked for, when present (another is a wrong answer, which the client refuses).
                  overrides: { 'data.usage_type': fc.constant(type) },
                }),
                (page) => (page as ServiceUsagePage).data,
              ),
            }),
          ),
        ),
      );
      await fc.assert(
        fc.asyncProperty(splits, async (split) => {
          const metrics = split.map(({ type, quantity }) => ({
            month: '2026-11',
            usage_type: type,
            name: type,
            unit: 'GB',
            quantity,
            product_id: PRODUCT,
          }));
          const pagesOf = new Map(split.map(({ type, pages }) => [type, byCursor(pages)]));
          const serviceUsage = (request: SimRequest): SimReply => {
            const pages = pagesOf.get(request.query.get('usage_type_name') ?? '');
            return pages && request.query.get('product_id') === PRODUCT
              ? pages(request)
              : { status: 400, body: { title: 'Unknown usage type', status: '400' } };
          };
          const reading = await read(
            { [USAGE]: { data: metrics }, [SERVICE_USAGE]: serviceUsage },
            { usage: true, breakdown: true },
          );
          expect(reading.status).toBe('ok');
          if (reading.status !== 'ok') return;
          expect(reading.spend.missing).toBeUndefined();
          for (const { type, quantity, pages } of split) {
            const entries = (pages as ServiceUsagePage[]).flatMap(({ data }) => data.details);
            const lines = reading.spend.lines.filter((line) => line.ChargeDescription === type);
            expect(
              perService(
                lines,
                (line) => line.ResourceId,
                (line) => line.ConsumedQuantity,
              ),
            ).toEqual(
              perService(
                entries,
                (entry) => entry.service_id,
                (entry) => decimal(entry.usage_units),
              ),
            );
            // Entries without a service_id are in the rest. Services may report more than the usage
            // type's figure (they are updated at other times): then there is no rest.
            const attributed = entries.reduce(
              (total, entry) => total.plus(decimal(entry.usage_units)),
              decimal(0),
            );
            const figure = decimal(quantity);
            expect(
              sums(
                lines,
                () => type,
                (line) => line.ConsumedQuantity,
              ).get(type),
            ).toBe((attributed.gt(figure) ? attributed : figure).toFixed());
          }
        }),
        contractRuns(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
