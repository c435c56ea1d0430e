/**
 * Loopback Cloudflare API following the npm cloudflare@7.3.0 SDK types (shared/specs/official/cloudflare)
 * and the curated notes (shared/specs/cloudflare): the generations of the usage API (one scripted as
 * live, the others answer 404 as a retired or unreleased path would), their info endpoints, the
 * billing profile, Bearer token checks and the {success, errors, messages, result} envelope. Usage is
 * scripted as a cost per UTC day and service; what the API lists depends on the simulator's clock
 * (today's record is still open). Switchable per test: every shape the official types allow (optional
 * fields absent, nullable ones null, unknown extra fields, null or absent notices, `result: null`
 * for no records, FOCUS v2 with or without costs), a server that ignores the date range, and a
 * failing side call (`failSideCall`).
 */
import { decimal } from '../../lib/money/index.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { type Fault, json, type SimReply, type SimRequest, Simulator } from './kit.ts';

/**
 * The paths of each generation, relative to /accounts/{account_id}, and the longest date range one
 * request may ask for (days, `to` inclusive). FOCUS v2 has no info of its own: v1's is the only one.
 */
const USAGE_GENERATIONS = {
  'billable-usage': { usage: '/billable-usage', info: '/billable-usage/info', maxRangeDays: undefined },
  'paygo-usage': { usage: '/paygo-usage', info: '/paygo-usage-info', maxRangeDays: undefined },
  beta: { usage: '/billing/usage/paygo', info: undefined, maxRangeDays: 62 },
  'focus-v2': { usage: '/billable/usage', info: '/billable-usage/info', maxRangeDays: 31 },
} as const;
export type UsageGeneration = keyof typeof USAGE_GENERATIONS;

/** FOCUS v2 cost and pricing fields: "not yet populated and will be absent from responses". */
const FOCUS_COST_FIELDS = [
  'BilledCost',
  'ContractedCost',
  'ContractedUnitPrice',
  'EffectiveCost',
  'ListCost',
  'ListUnitPrice',
];

/** Per generation, the record fields its type marks optional (`?`) and nullable (`| null`). */
const RECORD_FIELDS: Record<UsageGeneration, { optional: string[]; nullable: string[] }> = {
  // UsageGetAccountUsageV1ResponseItem
  'billable-usage': {
    optional: ['ServiceFamilyName', 'SubscriptionId', 'ZoneId', 'ZoneName'],
    nullable: [
      'BillingAccountName',
      'ChargeClass',
      'ChargeDescription',
      'SubscriptionId',
      'ZoneId',
      'ZoneName',
    ],
  },
  // billable-usage-api_usage_record (api-schemas @ c92b9b0)
  'paygo-usage': {
    optional: ['ServiceFamilyName', 'SubscriptionId', 'ZoneId', 'ZoneName'],
    nullable: ['SubscriptionId', 'ZoneId', 'ZoneName'],
  },
  // The Beta's eleven fields are all required.
  beta: { optional: [], nullable: [] },
  // UsageGetAccountUsageV2ResponseItem
  'focus-v2': {
    optional: [
      ...FOCUS_COST_FIELDS,
      'BillingAccountId',
      'BillingAccountName',
      'BillingCurrency',
      'BillingPeriodEnd',
      'BillingPeriodStart',
      'ChargeClass',
      'PricingQuantity',
      'PricingUnit',
      'RegionId',
      'RegionName',
      'SubAccountId',
      'SubAccountName',
      'x_BillableMetricName',
      'x_ProductCategoryName',
      'x_ProductFamilyId',
      'x_ProductFamilyName',
      'x_ZoneId',
      'x_ZoneName',
    ],
    nullable: [
      ...FOCUS_COST_FIELDS,
      'BillingCurrency',
      'BillingPeriodEnd',
      'BillingPeriodStart',
      'ChargeClass',
      'PricingQuantity',
      'PricingUnit',
      'RegionId',
      'RegionName',
      'x_ZoneId',
      'x_ZoneName',
    ],
  },
};

/** A field no version of the contract has, as a newer API would add anywhere. */
const EXTRA_FIELD = { x_SimulatedFutureColumn: { added: '2027-01', values: [1, 'two', null] } };

export interface SimService {
  family?: string;
  /** ConsumedUnit, e.g. "Requests" or "GB-months". */
  unit?: string;
  /** PricingUnit (Version 1 only), e.g. "Count". */
  pricingUnit?: string;
  /** Consumed (and priced) quantity per unit of cost. */
  quantityPerCost?: number;
  zone?: { id: string; name: string };
}

export interface SimSubscription {
  id: string;
  anchor: string;
  start?: string;
  /** Only cancelled subscriptions have one. */
  end?: string;
}

export interface CloudflareSimOptions {
  accountId: string;
  /** Tokens with the Billing Read permission on the account. */
  tokens: string[];
  /** Valid tokens without billing permission (403 code 9109). */
  tokensWithoutBilling?: string[];
  now: () => Date;
  live?: UsageGeneration;
  currency?: string;
  covered?: boolean;
  subscriptions?: SimSubscription[];
  /** Cost per UTC day ("2026-11-01") and ServiceName. */
  usage?: Record<string, Record<string, number>>;
  services?: Record<string, SimService>;
  /** Billing profile fields; next_bill_date defaults to the end of the current billing cycle. */
  profile?: { balance?: string; next_bill_date?: string | null };
  /**
   * The fields the live generation's type marks optional or nullable: all present (default), the
   * optional ones absent, or the nullable ones null. Applies to the billing profile too (all optional).
   */
  optionalFields?: 'present' | 'absent' | 'null';
  /** Unknown fields in the envelope, every record, the info, its subscriptions and the profile. */
  extraFields?: boolean;
  /** The envelope's errors and messages: [] (the docs' examples), null (the Go SDK's "nullable") or absent. */
  notices?: 'arrays' | 'null' | 'absent';
  /** No records answered as `result: []` (default) or `result: null` (a Go nil slice). */
  emptyResult?: 'array' | 'null';
  /** FOCUS v2 records carry their costs (the day Cloudflare populates them); by default they do not. */
  focusCosts?: boolean;
  /** Answers every record up to today whatever from/to asks (a server that sends more than asked). */
  ignoresRange?: boolean;
}

type Fields = Record<string, unknown>;
type Defaulted = 'profile';

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** How a side call fails, as Cloudflare words it. */
const SIDE_CALL_FAILURES = {
  403: [9109, 'Unauthorized to access requested resource'],
  404: [7003, 'No route for the URI'],
  500: [10000, 'Internal server error'],
} as const;

export class CloudflareSimulator extends Simulator {
  readonly options: Required<Omit<CloudflareSimOptions, Defaulted>> & Pick<CloudflareSimOptions, Defaulted>;

  constructor(options: CloudflareSimOptions) {
    super('cloudflare', (request) => this.answer(request));
    this.options = {
      tokensWithoutBilling: [],
      live: 'billable-usage',
      currency: 'USD',
      covered: true,
      subscriptions: [{ id: '3F3CD4CQ6N7FXO7IK6NVFJBOYA', anchor: '2023-01-01T00:00:00Z' }],
      usage: {},
      services: {},
      optionalFields: 'present',
      extraFields: false,
      notices: 'arrays',
      emptyResult: 'array',
      focusCosts: false,
      ignoresRange: false,
      ...options,
    };
  }

  /** Base URL as the client expects it (the API is served under /client/v4). */
  get baseUrl(): string {
    return `${this.url}/client/v4`;
  }

  /** The simulator's path of `suffix` for the account, e.g. for inject() and calls(). */
  path(suffix: string): string {
    return `/client/v4/accounts/${this.options.accountId}${suffix}`;
  }

  /** The live generation's usage path, e.g. for inject() and calls(). */
  get usagePath(): string {
    return this.path(USAGE_GENERATIONS[this.options.live].usage);
  }

  /** Answers the next `times` calls of a side call (the live generation's usage info, or the profile) with `status`. */
  failSideCall(call: 'info' | 'profile', status: keyof typeof SIDE_CALL_FAILURES, times = 100): this {
    const suffix = call === 'profile' ? '/billing/profile' : USAGE_GENERATIONS[this.options.live].info;
    if (!suffix) throw new Error(`the ${this.options.live} generation has no usage info`);
    const [code, message] = SIDE_CALL_FAILURES[status];
    return this.inject(this.path(suffix), CloudflareSimulator.error(status, code, message), times);
  }

  /** Cloudflare's failure envelope (example.error-4xx.json). */
  static failure(code: number, message: string) {
    return { errors: [{ code, message }], messages: [], result: null, success: false };
  }

  static error(status: number, code: number, message: string, headers?: Record<string, string>): Fault {
    return { kind: 'status', status, headers, body: CloudflareSimulator.failure(code, message) };
  }

  /** 429 as Cloudflare's API sends it. */
  static rateLimited(retryAfterSeconds: number): Fault {
    return CloudflareSimulator.error(429, 971, 'Please wait and consider throttling your request speed', {
      'retry-after': String(retryAfterSeconds),
    });
  }

  private answer(request: SimRequest): SimReply {
    const auth = String(request.headers.authorization ?? '');
    const token = /^Bearer (\S+)$/.exec(auth)?.[1];
    if (!token) return failed(401, 10001, 'Unable to authenticate request');
    if (this.options.tokensWithoutBilling.includes(token))
      return failed(403, 9109, 'Unauthorized to access requested resource');
    if (!this.options.tokens.includes(token)) return failed(403, 10000, 'Authentication error');

    const route = /^\/client\/v4\/accounts\/([^/]+)(\/.*)$/.exec(request.path);
    if (!route) return noRoute();
    if (route[1] !== this.options.accountId)
      return failed(403, 9109, 'Unauthorized to access requested resource');
    if (request.method !== 'GET') return failed(405, 10405, 'Method not allowed');
    const suffix = route[2]!;
    if (suffix === '/billing/profile') return this.succeeded(this.profile());
    const live = USAGE_GENERATIONS[this.options.live];
    if (suffix === live.info) return this.succeeded(this.info());
    if (suffix === live.usage) return this.usageReply(request.query);
    return noRoute();
  }

  private usageReply(query: URLSearchParams): SimReply {
    const from = query.get('from');
    const to = query.get('to');
    if ((from === null) !== (to === null) || [from, to].some((d) => d !== null && !isDate(d))) {
      return invalidParameters();
    }
    const range = from && to ? { from, to } : this.defaultRange();
    const days = (Date.parse(range.to) - Date.parse(range.from)) / DAY_MS + 1;
    const { maxRangeDays } = USAGE_GENERATIONS[this.options.live];
    if (days <= 0 || (maxRangeDays !== undefined && days > maxRangeDays)) return invalidParameters();
    // Version 1: "The provided time range must include the subscription billing cycle anchor day,
    // otherwise no usage data is returned."
    const v1 = this.options.live === 'billable-usage' || this.options.live === 'paygo-usage';
    if (v1 && !this.includesAnchorDay(range.from, days)) return this.records([]);
    const inRange = (day: string) => this.options.ignoresRange || (day >= range.from && day <= range.to);
    return this.records(this.allRecords().filter((r) => inRange(r.day)));
  }

  /** Without from/to: v1 answers the current billing period, FOCUS v2 the current month through today. */
  private defaultRange(): { from: string; to: string } {
    const today = this.options.now().toISOString().slice(0, 10);
    if (this.options.live === 'focus-v2') return { from: `${today.slice(0, 8)}01`, to: today };
    const period = this.currentPeriod();
    return {
      from: iso(period.start).slice(0, 10),
      to: iso(new Date(period.end.getTime() - DAY_MS)).slice(0, 10),
    };
  }

  private records(records: { day: string; body: Fields }[]): SimReply {
    const empty = records.length === 0 && this.options.emptyResult === 'null';
    return this.succeeded(empty ? null : records.map((r) => r.body));
  }

  /** Every record up to today, with running totals per service and billing period. */
  private allRecords(): { day: string; body: Fields }[] {
    const today = this.options.now().toISOString().slice(0, 10);
    const running = new Map<string, { cost: ReturnType<typeof decimal>; quantity: number }>();
    const out: { day: string; body: Fields }[] = [];
    for (const day of Object.keys(this.options.usage).sort()) {
      if (day > today) continue;
      const start = new Date(`${day}T00:00:00Z`);
      const period = monthlyPeriod(start, 'UTC', this.anchorDay());
      for (const [service, cost] of Object.entries(this.options.usage[day]!)) {
        const key = `${period.key}|${service}`;
        const quantity = Math.round(cost * (this.service(service).quantityPerCost ?? 200_000));
        const before = running.get(key) ?? { cost: decimal(0), quantity: 0 };
        const total = { cost: before.cost.plus(decimal(cost)), quantity: before.quantity + quantity };
        running.set(key, total);
        const record = this.record(service, {
          start,
          period,
          cost,
          quantity,
          cumulatedCost: Number(total.cost.toFixed()),
          cumulatedQuantity: total.quantity,
        });
        out.push({ day, body: this.shaped(record) });
      }
    }
    return out;
  }

  /** The record as the switches shape it: optional fields absent, nullable ones null, extra fields. */
  private shaped(record: Fields): Fields {
    const { optional, nullable } = RECORD_FIELDS[this.options.live];
    const out: Fields = { ...record, ...(this.options.extraFields ? EXTRA_FIELD : {}) };
    if (this.options.live === 'focus-v2' && !this.options.focusCosts) {
      for (const field of FOCUS_COST_FIELDS) delete out[field];
    }
    if (this.options.optionalFields === 'absent') for (const field of optional) delete out[field];
    if (this.options.optionalFields === 'null') for (const field of nullable) out[field] = null;
    return out;
  }

  /** One record with every field of the live generation. */
  private record(
    service: string,
    r: {
      start: Date;
      period: { start: Date; end: Date };
      cost: number;
      quantity: number;
      cumulatedCost: number;
      cumulatedQuantity: number;
    },
  ): Fields {
    const details = this.service(service);
    const pricingUnit = details.pricingUnit ?? 'Count';
    const family = details.family ?? service.split(' ')[0]!;
    const subscription = this.activeSubscription();
    const chargePeriod = {
      ChargePeriodEnd: iso(new Date(r.start.getTime() + DAY_MS)),
      ChargePeriodStart: iso(r.start),
    };
    if (this.options.live === 'focus-v2') {
      return {
        BilledCost: r.cost,
        BillingAccountId: this.options.accountId,
        BillingAccountName: 'Simulated Account',
        BillingCurrency: this.options.currency,
        BillingPeriodEnd: iso(r.period.end),
        BillingPeriodStart: iso(r.period.start),
        ChargeCategory: 'Usage',
        ChargeClass: null, // FOCUS: null except for corrections
        ChargeDescription: `${service} usage measured in ${pricingUnit}`,
        ChargeFrequency: 'Usage-Based',
        ...chargePeriod,
        ConsumedQuantity: r.quantity,
        ConsumedUnit: details.unit ?? 'Requests',
        ContractedCost: r.cost,
        ContractedUnitPrice: r.cost / Math.max(r.quantity, 1),
        EffectiveCost: r.cost,
        HostProviderName: 'Cloudflare, Inc.',
        InvoiceIssuerName: 'Cloudflare, Inc.',
        ListCost: r.cost,
        ListUnitPrice: r.cost / Math.max(r.quantity, 1),
        PricingQuantity: r.quantity,
        PricingUnit: pricingUnit,
        RegionId: null,
        RegionName: null,
        ServiceProviderName: 'Cloudflare, Inc.',
        SubAccountId: subscription?.id ?? 'PAYGO',
        SubAccountName: 'Pay-as-you-go',
        x_BillableMetricId: `metric-${service.toLowerCase().replaceAll(' ', '-')}`,
        x_BillableMetricName: service,
        x_ProductCategoryName: 'Developer',
        x_ProductFamilyId: `family-${family.toLowerCase()}`,
        x_ProductFamilyName: family,
        x_ZoneId: details.zone?.id ?? null,
        x_ZoneName: details.zone?.name ?? null,
      };
    }
    const beta: Fields = {
      BillingCurrency: this.options.currency,
      BillingPeriodStart: iso(r.period.start),
      ...chargePeriod,
      ConsumedQuantity: r.quantity,
      ConsumedUnit: details.unit ?? 'Requests',
      ContractedCost: r.cost,
      CumulatedContractedCost: r.cumulatedCost,
      CumulatedPricingQuantity: r.cumulatedQuantity,
      PricingQuantity: r.quantity,
      ServiceName: service,
    };
    if (this.options.live === 'beta') return beta;
    const alpha: Fields = {
      ...beta,
      ServiceFamilyName: family,
      SubscriptionId: subscription?.id ?? null,
      ZoneId: details.zone?.id ?? null,
      ZoneName: details.zone?.name ?? null,
    };
    if (this.options.live === 'paygo-usage') return alpha;
    return {
      ...alpha,
      BilledCost: r.cost,
      BillingAccountId: this.options.accountId,
      BillingAccountName: 'Simulated Account',
      ChargeCategory: 'Usage',
      ChargeClass: null, // FOCUS: null except for corrections
      ChargeDescription: `${service} usage measured in ${pricingUnit}`,
      EffectiveCost: r.cost,
      HostProviderName: 'Cloudflare, Inc.',
      InvoiceIssuerName: 'Cloudflare, Inc.',
      ListCost: r.cost,
      PricingUnit: pricingUnit,
      ServiceProviderName: 'Cloudflare, Inc.',
    };
  }

  /** The envelope of a success, its notices and extra fields as switched. */
  private succeeded(result: unknown): SimReply {
    const notices = {
      arrays: { errors: [], messages: [] },
      null: { errors: null, messages: null },
      absent: {},
    }[this.options.notices];
    return json(200, { ...notices, result, success: true, ...this.extra() });
  }

  private extra(): Fields {
    return this.options.extraFields ? EXTRA_FIELD : {};
  }

  private info(): Fields {
    return {
      covered: this.options.covered,
      subscriptions: this.options.subscriptions.map((s) => ({
        id: s.id,
        billing_cycle_anchor_timestamp: s.anchor,
        start_timestamp: s.start ?? s.anchor,
        ...(s.end ? { end_timestamp: s.end } : {}),
        ...this.extra(),
      })),
      ...this.extra(),
    };
  }

  /** ProfileGetResponse: every field is optional, so `optionalFields: 'absent'` leaves `{}`. */
  private profile(): Fields {
    if (this.options.optionalFields === 'absent') return { ...this.extra() };
    const next = this.options.profile?.next_bill_date;
    return {
      ...this.extra(),
      id: 'b69a9f3492637782896352daae219e7d',
      account_type: 'self_serve',
      address: '1 Simulated Street',
      address2: '',
      balance: this.options.profile?.balance ?? '0',
      card_expiry_month: 12,
      card_expiry_year: 2099,
      card_number: '4242',
      city: 'Simville',
      company: 'Simulated Co',
      country: 'US',
      created_on: '2020-01-01T00:00:00Z',
      device_data: '',
      edited_on: '2020-01-01T00:00:00Z',
      enterprise_billing_email: 'billing@example.com',
      enterprise_primary_email: 'owner@example.com',
      first_name: 'Sim',
      is_partner: false,
      last_name: 'Ulator',
      next_bill_date: next === undefined ? iso(this.currentPeriod().end) : next,
      payment_address: '1 Simulated Street',
      payment_address2: '',
      payment_city: 'Simville',
      payment_country: 'US',
      payment_email: 'billing@example.com',
      payment_first_name: 'Sim',
      payment_gateway: 'stripe',
      payment_last_name: 'Ulator',
      payment_nonce: '',
      payment_state: 'CA',
      payment_zipcode: '94107',
      primary_email: 'owner@example.com',
      state: 'CA',
      tax_id_type: '',
      telephone: '',
      use_legacy: false,
      validation_code: '',
      vat: '',
      zipcode: '94107',
    };
  }

  private service(name: string): SimService {
    return this.options.services[name] ?? {};
  }

  private activeSubscription(): SimSubscription | undefined {
    const now = this.options.now();
    return this.options.subscriptions.find((s) => !s.end || new Date(s.end) > now);
  }

  private anchorDay(): number {
    const anchor = this.activeSubscription()?.anchor;
    return anchor ? new Date(anchor).getUTCDate() : 1;
  }

  private currentPeriod() {
    return monthlyPeriod(this.options.now(), 'UTC', this.anchorDay());
  }

  private includesAnchorDay(from: string, days: number): boolean {
    const start = Date.parse(from);
    for (let i = 0; i < days; i++) {
      const date = new Date(start + i * DAY_MS);
      if (monthlyPeriod(date, 'UTC', this.anchorDay()).start.getTime() === date.getTime()) return true;
    }
    return false;
  }
}

/** ContractedCost per UTC day and service for each day from `first` to `last` (inclusive). */
export function dailyUsage(
  first: string,
  last: string,
  costsFor: (day: string) => Record<string, number>,
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (let t = Date.parse(first); t <= Date.parse(last); t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    out[day] = costsFor(day);
  }
  return out;
}

function failed(status: number, code: number, message: string): SimReply {
  return json(status, CloudflareSimulator.failure(code, message));
}

function noRoute(): SimReply {
  return failed(404, 7003, 'No route for the URI');
}

function invalidParameters(): SimReply {
  return failed(
    400,
    1183,
    'Invalid request parameters: Please ensure all required parameters are included and correctly formatted.',
  );
}

function isDate(text: string): boolean {
  return DATE.test(text) && !Number.isNaN(Date.parse(text));
}

/** "2026-11-01T00:00:00Z", the examples' form (no milliseconds). */
function iso(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}
