/**
 * Loopback Fastly billing API following ../shared/specs/fastly: Billing v3 (month-to-date invoice
 * with 202 while generating, invoices with cursor paging, invoice by ID, usage metrics limited to three
 * months a call, service usage with cursor paging) and, per instance, the retired Billing v2 paths
 * (served, or 404 as Fastly answers since 2025). Every request needs a known Fastly-Key.
 *
 * Spend is scripted as charges per UTC day; what the API reports depends on the simulator's clock:
 * the month-to-date invoice sums the current month up to today, closed months become invoices.
 * Every field of the official models is optional: `shapes` switches the replies between the shapes
 * they allow (the lone-Usagemetric body the SDKs declare, invoices without currency_code, a month-to-
 * date invoice without billing dates, nulls for optional strings, numbers as text, extra fields), and
 * `fail` makes a chosen (side) call answer an error.
 * Error bodies copy the observed wire shape {"title": ..., "status": 404} (the SDK's Error model
 * types `status` as a string; the live body has a number, and clients read the HTTP status anyway).
 */
import { pad } from '../../lib/time/zoned.ts';
import { type Fault, json, type SimReply, type SimRequest, Simulator } from './kit.ts';

/** One day's charge for one invoice line. */
export interface SimCharge {
  /** The invoice line, e.g. "North America Bandwidth"; also the usage metric's name. */
  description: string;
  /** Billed that day, in the account's currency (at most 2 decimals). */
  amount: number;
  units: number;
  region?: string;
  /** Invoice line usage_type, e.g. "Bandwidth" or "Requests". */
  usageType?: string;
  /** Usage metric unit, e.g. "GB"; Fastly says "unit" when there is none. */
  unit?: string;
  productId?: string;
  productGroup?: string;
  productLine?: string;
}

interface SimServiceUsage {
  service_id: string;
  service_name: string;
  usage_units: number;
}

/** One usage type's per-service usage, as /service-usage-metrics reports it (one usage type per reply). */
interface SimServiceUsageType {
  /** Default "cdn_usage". */
  productId?: string;
  /** The usage type's identifier, e.g. "North America Bandwidth" (usage_type_name in the query). */
  usageType: string;
  unit: string;
  /** Per-service usage by month "yyyy-mm". */
  byMonth: Record<string, SimServiceUsage[]>;
}

/** The shapes the official models allow (every property is optional there), per reply. */
export interface FastlyShapes {
  /** GET /billing/v3/usage-metrics: the Usagemetrics wrapper {data: [...]}, or ONE Usagemetric as the SDKs declare. */
  usageMetrics: 'list' | 'lone';
  /** Closed invoices name their currency_code. */
  invoiceCurrency: boolean;
  /** The month-to-date invoice has billing_start_date and billing_end_date. */
  mtdBillingDates: boolean;
  /** Optional strings the SDKs type as plain strings arrive as null (credit_coupon_code, region...), as real APIs send them. */
  nullOptionals: boolean;
  /** Numbers (amounts, units, quantities) arrive as decimal text. */
  numbersAsText: boolean;
  /** Fields outside the models on every object (live invoices carry payment_status). */
  extraFields: boolean;
}

const MODEL_SHAPES: FastlyShapes = {
  usageMetrics: 'list',
  invoiceCurrency: true,
  mtdBillingDates: true,
  nullOptionals: false,
  numbersAsText: false,
  extraFields: false,
};
/** Optional strings set to null by `nullOptionals` (never a headline field). */
const NULLABLE = new Set([
  'credit_coupon_code',
  'product_group',
  'product_line',
  'region',
  'statement_number',
  'last_updated_at',
  'service_name',
  'customer_id',
]);
/** Numbers sent as text by `numbersAsText`. */
const NUMERIC = new Set([
  'amount',
  'rate',
  'units',
  'quantity',
  'raw_quantity',
  'usage_units',
  'monthly_transaction_amount',
]);

export interface FastlySimOptions {
  /** Fastly-Key values the API accepts. */
  apiTokens: string[];
  now: () => Date;
  customerId?: string;
  /** currency_code of closed invoices. */
  currency?: string;
  /** Charges keyed by UTC day "yyyy-mm-dd". */
  daily?: Record<string, SimCharge[]>;
  /**
   * Per-service usage by usage type. Asked with product_id and usage_type_name, the endpoint answers
   * that usage type; asked without, only the first: Fastly's answers one usage type per reply.
   */
  serviceUsage?: SimServiceUsageType[];
  /** Which allowed shapes the replies take; the models' full shape by default. */
  shapes?: Partial<FastlyShapes>;
  /** Answer 202 to this many month-to-date requests before the estimate is ready (Infinity: never). */
  mtdPendingCalls?: number;
  /** Serve at most this many items per page whatever `limit` asks, to exercise paging. */
  pageSize?: number;
  /** Serve the Billing v2 paths; by default they answer 404, as Fastly has since retiring them. */
  v2?: boolean;
}

interface MonthLine {
  description: string;
  cents: number;
  units: number;
  charge: SimCharge;
}

const V2_CUSTOMER = /^\/billing\/v2\/account_customers\/([^/]+)\/(mtd_invoice|invoices\/([^/]+))$/;
const V2_MONTH = /^\/billing\/v2\/year\/(\d{4})\/month\/(\d{2})$/;
const V3_INVOICE = /^\/billing\/v3\/invoices\/([^/]+)$/;
const MONTH = /^\d{4}-\d{2}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class FastlySimulator extends Simulator {
  readonly options: Required<FastlySimOptions> & { shapes: FastlyShapes };
  /** Cursors handed out, to the list and offset they continue. */
  private readonly cursors = new Map<string, { list: string; offset: number }>();

  constructor(options: FastlySimOptions) {
    super('fastly', (request) => this.answer(request));
    this.options = {
      customerId: '1ANZTs0lHGHkWxRmlHUfJQ',
      currency: 'USD',
      daily: {},
      serviceUsage: [],
      mtdPendingCalls: 0,
      pageSize: Number.POSITIVE_INFINITY,
      v2: false,
      ...options,
      shapes: { ...MODEL_SHAPES, ...options.shapes },
    };
  }

  /** Answers `path` with Fastly's error body and `status` (e.g. a side call's 403), `times` times. */
  fail(path: string | RegExp, status: number, times = Number.POSITIVE_INFINITY): this {
    return this.inject(
      path,
      { kind: 'status', status, body: fastlyError(status, `simulated ${status}`) },
      times,
    );
  }

  /** 429 as Fastly sends it: the hourly window refills at Fastly-RateLimit-Reset (UTC epoch seconds). */
  rateLimited(secondsUntilReset: number): Fault {
    const reset = Math.ceil(this.options.now().getTime() / 1000) + secondsUntilReset;
    return {
      kind: 'status',
      status: 429,
      headers: { 'Fastly-RateLimit-Remaining': '0', 'Fastly-RateLimit-Reset': String(reset) },
      body: fastlyError(429, 'Too Many Requests'),
    };
  }

  private answer(request: SimRequest): SimReply {
    const reply = this.dispatch(request);
    const body = reply.status === 200 ? reshaped(reply.body, this.options.shapes) : reply.body;
    // Fastly stamps every reply; clients take it as the month-to-date figure's freshness.
    return { ...reply, body, headers: { Date: this.options.now().toUTCString(), ...reply.headers } };
  }

  private dispatch(request: SimRequest): SimReply {
    const token = request.headers['fastly-key'];
    if (typeof token !== 'string' || !this.options.apiTokens.includes(token)) {
      return json(401, fastlyError(401, 'Provided credentials are missing or invalid'));
    }
    if (request.method !== 'GET') return json(405, fastlyError(405, 'Method Not Allowed'));
    const { path, query } = request;
    if (path.startsWith('/billing/v2/')) return this.options.v2 ? this.v2(path) : notFound();
    if (path === '/billing/v3/invoices/month-to-date') return this.monthToDate();
    if (path === '/billing/v3/invoices') return this.invoiceList(query);
    if (path === '/billing/v3/usage-metrics') return this.usageMetrics(query);
    if (path === '/billing/v3/service-usage-metrics') return this.serviceUsageMetrics(query);
    const byId = V3_INVOICE.exec(path);
    if (byId) {
      const month = this.closedMonths().find((m) => invoiceId(m) === decodeURIComponent(byId[1]!));
      return month
        ? json(200, this.invoice(month))
        : json(404, fastlyError(404, `requested id:${byId[1]} doesn't exist`));
    }
    return notFound();
  }

  private monthToDate(): SimReply {
    if (this.stillGenerating()) return { status: 202 };
    const month = this.currentMonth();
    const lines = this.monthLines(month);
    return json(200, {
      customer_id: this.options.customerId,
      invoice_id: `MTD-${month}`,
      ...(this.options.shapes.mtdBillingDates ? billingDates(month) : {}),
      monthly_transaction_amount: (sumCents(lines) / 100).toFixed(2),
      transaction_line_items: lines.map(lineItem),
    });
  }

  /** The scripted "report is being generated" phase of both month-to-date endpoints. */
  private stillGenerating(): boolean {
    if (this.options.mtdPendingCalls <= 0) return false;
    this.options.mtdPendingCalls -= 1;
    return true;
  }

  private invoiceList(query: URLSearchParams): SimReply {
    const limit = pageLimit(query, 100, 200);
    if (typeof limit === 'string') return json(400, fastlyError(400, limit));
    const from = query.get('billing_start_date');
    const to = query.get('billing_end_date');
    if ((from && !DATE.test(from)) || (to && !DATE.test(to)))
      return json(400, fastlyError(400, 'billing dates must be YYYY-MM-DD'));
    const months = this.closedMonths().filter(
      (m) => (!from || m >= from.slice(0, 7)) && (!to || m <= to.slice(0, 7)),
    );
    const page = this.page('invoices', months, limit, query.get('cursor'));
    if (typeof page === 'string') return json(400, fastlyError(400, page));
    return json(200, {
      data: page.items.map((m) => this.invoice(m)),
      meta: {
        next_cursor: page.next,
        limit: page.items.length,
        sort: 'billing_start_date',
        total: months.length,
      },
    });
  }

  private usageMetrics(query: URLSearchParams): SimReply {
    const start = query.get('start_month') ?? '';
    const end = query.get('end_month') ?? '';
    if (!MONTH.test(start) || !MONTH.test(end))
      return json(400, fastlyError(400, 'start_month and end_month are required as YYYY-MM'));
    if (end < start || monthsBetween(start, end) > 3)
      return json(400, fastlyError(400, 'usage metrics cover at most three months per request'));
    const data = this.monthsWithCharges()
      .filter((m) => m >= start && m <= end)
      .flatMap((month) =>
        this.monthLines(month).map(({ description, units, charge }) => ({
          month,
          // The usage type's identifier is its full name, e.g. "North America Requests" (Usagemetric docs).
          usage_type: description,
          name: description,
          region: charge.region ?? 'Global',
          unit: charge.unit ?? 'unit',
          quantity: units,
          raw_quantity: units,
          product_id: charge.productId ?? 'cdn_usage',
          last_updated_at: this.options.now().toISOString(),
        })),
      );
    // The SDKs' declared shape holds one usage type; with none used there is nothing to name.
    if (this.options.shapes.usageMetrics === 'lone') return json(200, data[0] ?? {});
    return json(200, { data });
  }

  private serviceUsageMetrics(query: URLSearchParams): SimReply {
    const start = query.get('start_month') ?? this.currentMonth();
    const end = query.get('end_month') ?? start;
    if (!MONTH.test(start) || !MONTH.test(end))
      return json(400, fastlyError(400, 'start_month and end_month must be YYYY-MM'));
    const limit = pageLimit(query, 1000, 10_000);
    if (typeof limit === 'string') return json(400, fastlyError(400, limit));
    const productId = query.get('product_id');
    const usageTypeName = query.get('usage_type_name');
    if ((productId === null) !== (usageTypeName === null))
      return json(400, fastlyError(400, 'product_id and usage_type_name are used together'));
    const types = this.options.serviceUsage;
    const asked =
      productId === null
        ? types[0]
        : (types.find((t) => (t.productId ?? 'cdn_usage') === productId && t.usageType === usageTypeName) ?? {
            productId,
            usageType: usageTypeName!,
            unit: 'unit',
            byMonth: {},
          });
    const details = Object.entries(asked?.byMonth ?? {})
      .filter(([m]) => m >= start && m <= end)
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([, usage]) => usage.map((u) => ({ customer_id: this.options.customerId, ...u })));
    const list = `service-usage:${asked?.productId}:${asked?.usageType}`;
    const page = this.page(list, details, limit, query.get('cursor'));
    if (typeof page === 'string') return json(400, fastlyError(400, page));
    return json(200, {
      data: {
        customer_id: this.options.customerId,
        start_time: `${start}-01T00:00:00Z`,
        end_time: billingDates(end).billing_end_date,
        ...(asked ? { usage_type: asked.usageType, unit: asked.unit } : {}),
        details: page.items,
        meta: { next_cursor: page.next, limit: page.items.length, total: details.length },
      },
    });
  }

  private v2(path: string): SimReply {
    const month = V2_MONTH.exec(path);
    if (month) {
      const key = `${month[1]}-${month[2]}`;
      const first = this.monthsWithCharges()[0];
      if (!first || key < first || key > this.currentMonth()) return notFound();
      return json(200, this.v2Invoice(key));
    }
    const customer = V2_CUSTOMER.exec(path);
    if (!customer || decodeURIComponent(customer[1]!) !== this.options.customerId) return notFound();
    if (customer[2] === 'mtd_invoice') {
      if (this.stillGenerating()) return { status: 202 };
      return json(200, this.v2Estimate());
    }
    const closed = this.closedMonths().find((m) => invoiceId(m) === decodeURIComponent(customer[3]!));
    return closed ? json(200, this.v2Invoice(closed)) : notFound();
  }

  private invoice(month: string) {
    const lines = this.monthLines(month);
    return {
      customer_id: this.options.customerId,
      invoice_id: invoiceId(month),
      // As observed live: posted on the cycle's first day.
      invoice_posted_on: `${month}-01T00:00:00Z`,
      ...billingDates(month),
      statement_number: `INV-${month.replace('-', '')}`,
      ...(this.options.shapes.invoiceCurrency ? { currency_code: this.options.currency } : {}),
      monthly_transaction_amount: sumCents(lines) / 100,
      transaction_line_items: lines.map((line) => ({ ...lineItem(line), credit_coupon_code: '' })),
    };
  }

  private v2Common(month: string, status: 'MTD' | 'Outstanding') {
    const lines = this.monthLines(month);
    const cost = sumCents(lines) / 100;
    const regionCents = new Map<string, number>();
    for (const line of lines) {
      const region = line.charge.region ?? 'Global';
      regionCents.set(region, (regionCents.get(region) ?? 0) + line.cents);
    }
    const regions = Object.fromEntries(
      [...regionCents].map(([region, cents]) => [region, { cost: cents / 100 }]),
    );
    return {
      lines,
      body: {
        start_time: `${month}-01T00:00:00Z`,
        end_time: billingDates(month).billing_end_date,
        customer_id: this.options.customerId,
        vendor_state: 'up',
        status: status === 'MTD' ? { status } : { status, sent_at: `${nextMonth(month)}-02T00:00:00Z` },
        total: {
          cost,
          cost_before_discount: cost,
          discount: 0,
          incurred_cost: cost,
          extras: [],
          terms: 'Net15',
        },
        regions,
      },
    };
  }

  private v2Estimate() {
    const month = this.currentMonth();
    const { lines, body } = this.v2Common(month, 'MTD');
    return {
      ...body,
      invoice_id: `MTD-${month}`,
      line_items: lines.map(({ description, cents, units, charge }) => ({
        description,
        units,
        per_unit_cost: unitRate(cents, units),
        service_type: charge.productGroup ?? 'Full Site Delivery',
        amount: cents / 100,
      })),
    };
  }

  private v2Invoice(month: string) {
    const { lines, body } = this.v2Common(month, month === this.currentMonth() ? 'MTD' : 'Outstanding');
    return {
      ...body,
      invoice_id: Number(invoiceId(month)),
      line_items: lines.map(({ description, cents, units }, index) => ({
        id: `${invoiceId(month)}-${index + 1}`,
        line_number: index + 1,
        description,
        service_name: description,
        units,
        amount: cents / 100,
      })),
    };
  }

  /** A month's charges up to today, one line per description (amounts in integer cents, exact). */
  private monthLines(month: string): MonthLine[] {
    const today = this.today();
    const byDescription = new Map<string, MonthLine>();
    for (const [day, charges] of Object.entries(this.options.daily)) {
      if (!day.startsWith(month) || day > today) continue;
      for (const charge of charges) {
        const line = byDescription.get(charge.description) ?? {
          description: charge.description,
          cents: 0,
          units: 0,
          charge,
        };
        line.cents += Math.round(charge.amount * 100);
        line.units = Math.round((line.units + charge.units) * 10_000) / 10_000;
        byDescription.set(charge.description, line);
      }
    }
    return [...byDescription.values()];
  }

  /** Closed months with charges, newest first, as GET /billing/v3/invoices sorts them. */
  private closedMonths(): string[] {
    const current = this.currentMonth();
    return this.monthsWithCharges()
      .filter((m) => m < current)
      .reverse();
  }

  /** Oldest first. */
  private monthsWithCharges(): string[] {
    return [...new Set(Object.keys(this.options.daily).map((day) => day.slice(0, 7)))].sort();
  }

  /** Cursor paging; cursors look like Fastly's opaque ones and contain '+' and '=' on purpose. */
  private page<T>(
    list: string,
    items: T[],
    limit: number,
    cursor: string | null,
  ): { items: T[]; next: string } | string {
    let offset = 0;
    if (cursor) {
      const known = this.cursors.get(cursor);
      if (!known || known.list !== list) return `invalid cursor "${cursor}"`;
      offset = known.offset;
    }
    const end = offset + Math.min(limit, this.options.pageSize);
    let next = '';
    if (end < items.length) {
      next = `${Buffer.from(`${list}:${end}`).toString('base64').replace(/=+$/, '')}+${end}==`;
      this.cursors.set(next, { list, offset: end });
    }
    return { items: items.slice(offset, end), next };
  }

  private currentMonth(): string {
    return this.today().slice(0, 7);
  }

  private today(): string {
    return this.options.now().toISOString().slice(0, 10);
  }
}

/** A reply body in the chosen shapes: nulls for optional strings, numbers as text, extra fields. */
function reshaped(body: unknown, shapes: FastlyShapes): unknown {
  if (Array.isArray(body)) return body.map((item) => reshaped(item, shapes));
  if (typeof body !== 'object' || body === null) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (shapes.nullOptionals && NULLABLE.has(key)) out[key] = null;
    else if (shapes.numbersAsText && NUMERIC.has(key) && typeof value === 'number') out[key] = String(value);
    else out[key] = reshaped(value, shapes);
  }
  if (shapes.extraFields)
    Object.assign(out, { payment_status: 'outstanding', x_added_later: { nested: [1] } });
  return out;
}

/** Fastly's error body as observed on the wire (example.v3-error-404.THIRD-PARTY-observed.json). */
export function fastlyError(status: number, title: string): { title: string; status: number } {
  return { title, status };
}

function notFound(): SimReply {
  return json(404, fastlyError(404, 'Not Found'));
}

/** Fastly dates a month's cycle from its first day to its last day, both at midnight UTC. */
function billingDates(month: string): { billing_start_date: string; billing_end_date: string } {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  const lastDay = new Date(Date.UTC(year, mon, 0)).getUTCDate();
  return {
    billing_start_date: `${month}-01T00:00:00Z`,
    billing_end_date: `${month}-${pad(lastDay)}T00:00:00Z`,
  };
}

function invoiceId(month: string): string {
  return `4${month.replace('-', '')}`;
}

function nextMonth(month: string): string {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  return mon === 12 ? `${year + 1}-01` : `${year}-${pad(mon + 1)}`;
}

function monthsBetween(start: string, end: string): number {
  const index = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7));
  return index(end) - index(start) + 1;
}

/** Mtdlineitems fields (closed invoices add credit_coupon_code). */
function lineItem({ description, cents, units, charge }: MonthLine) {
  return {
    description,
    amount: cents / 100,
    rate: unitRate(cents, units),
    units,
    product_name: description,
    product_group: charge.productGroup ?? 'Full Site Delivery',
    product_line: charge.productLine ?? 'Network Services',
    region: charge.region ?? 'Global',
    usage_type: charge.usageType ?? 'Requests',
  };
}

function unitRate(cents: number, units: number): number {
  return units === 0 ? 0 : Number((cents / 100 / units).toFixed(6));
}

function sumCents(lines: MonthLine[]): number {
  return lines.reduce((sum, line) => sum + line.cents, 0);
}

function pageLimit(query: URLSearchParams, fallback: number, max: number): number | string {
  const text = query.get('limit');
  if (text === null) return fallback;
  const limit = Number(text);
  return Number.isInteger(limit) && limit >= 1 && limit <= max ? limit : `limit must be 1 to ${max}`;
}

/** Fills `daily` with the same charges on every day of a month ("yyyy-mm") up to `lastDay`. */
export function everyDay(
  month: string,
  charges: (day: number) => SimCharge[],
  lastDay = 31,
): Record<string, SimCharge[]> {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  const days = Math.min(lastDay, new Date(Date.UTC(year, mon, 0)).getUTCDate());
  const out: Record<string, SimCharge[]> = {};
  for (let day = 1; day <= days; day++) out[`${month}-${pad(day)}`] = charges(day);
  return out;
}
