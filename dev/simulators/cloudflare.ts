/**
 * Loopback Cloudflare API following shared/specs/cloudflare: the three generations of the PayGo
 * usage API (one scripted as live, the others answer 404 as a retired or unreleased path would),
 * their info endpoints, the deprecated billing profile, Bearer token checks and the
 * {success, errors, messages, result} envelope. Usage is scripted as ContractedCost per UTC day and
 * service; what the API lists depends on the simulator's clock (today's record is still open).
 */
import { decimal } from '../../lib/money/index.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { type Fault, json, type SimReply, type SimRequest, Simulator } from './kit.ts';

/** The usage path of each generation, relative to /accounts/{account_id}. */
const USAGE_GENERATIONS = {
  'billable-usage': { usage: '/billable-usage', info: '/billable-usage/info' },
  'paygo-usage': { usage: '/paygo-usage', info: '/paygo-usage-info' },
  beta: { usage: '/billing/usage/paygo', info: undefined },
} as const;
export type UsageGeneration = keyof typeof USAGE_GENERATIONS;

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
  /** ContractedCost per UTC day ("2026-11-01") and ServiceName. */
  usage?: Record<string, Record<string, number>>;
  services?: Record<string, SimService>;
  /** Billing profile fields; next_bill_date defaults to the end of the current billing cycle. */
  profile?: { balance?: string; next_bill_date?: string | null };
}

type Fields = Record<string, unknown>;

const BETA_MAX_RANGE_DAYS = 62;
const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class CloudflareSimulator extends Simulator {
  readonly options: Required<Omit<CloudflareSimOptions, 'profile'>> & Pick<CloudflareSimOptions, 'profile'>;

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
    if (suffix === '/billing/profile') return succeeded(this.profile());
    const live = USAGE_GENERATIONS[this.options.live];
    if (suffix === live.info) return succeeded(this.info());
    if (suffix === live.usage) return this.usageReply(request.query);
    return noRoute();
  }

  private usageReply(query: URLSearchParams): SimReply {
    const from = query.get('from');
    const to = query.get('to');
    if ((from === null) !== (to === null) || [from, to].some((d) => d !== null && !isDate(d))) {
      return invalidParameters();
    }
    // Without a range the API answers the current billing period.
    const range = from && to ? { from, to } : this.currentPeriodRange();
    const days = (Date.parse(range.to) - Date.parse(range.from)) / DAY_MS;
    if (days <= 0) return invalidParameters();
    if (this.options.live === 'beta' && days > BETA_MAX_RANGE_DAYS) return invalidParameters();
    // Version 1: "The provided time range must include the subscription billing cycle anchor day,
    // otherwise no usage data is returned."
    if (this.options.live !== 'beta' && !this.includesAnchorDay(range.from, days)) return succeeded([]);
    const records = this.records().filter(
      (r) => r.day >= range.from && r.day < range.to, // `to` exclusive, as in the spec's example month
    );
    return succeeded(records.map((r) => r.body));
  }

  /** Every record up to today, with running totals per service and billing period. */
  private records(): { day: string; body: Fields }[] {
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
        out.push({
          day,
          body: this.record(service, {
            start,
            periodStart: period.start,
            cost,
            quantity,
            cumulatedCost: Number(total.cost.toFixed()),
            cumulatedQuantity: total.quantity,
          }),
        });
      }
    }
    return out;
  }

  /** One record with the fields of the live generation. */
  private record(
    service: string,
    r: {
      start: Date;
      periodStart: Date;
      cost: number;
      quantity: number;
      cumulatedCost: number;
      cumulatedQuantity: number;
    },
  ): Fields {
    const details = this.service(service);
    const pricingUnit = details.pricingUnit ?? 'Count';
    const subscription = this.activeSubscription();
    const beta: Fields = {
      BillingCurrency: this.options.currency,
      BillingPeriodStart: iso(r.periodStart),
      ChargePeriodEnd: iso(new Date(r.start.getTime() + DAY_MS)),
      ChargePeriodStart: iso(r.start),
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
      ServiceFamilyName: details.family ?? service.split(' ')[0],
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

  private info(): Fields {
    return {
      covered: this.options.covered,
      subscriptions: this.options.subscriptions.map((s) => ({
        id: s.id,
        billing_cycle_anchor_timestamp: s.anchor,
        start_timestamp: s.start ?? s.anchor,
        ...(s.end ? { end_timestamp: s.end } : {}),
      })),
    };
  }

  private profile(): Fields {
    const next = this.options.profile?.next_bill_date;
    return {
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

  private currentPeriodRange(): { from: string; to: string } {
    const period = this.currentPeriod();
    return { from: iso(period.start).slice(0, 10), to: iso(period.end).slice(0, 10) };
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

function succeeded(result: unknown): SimReply {
  return json(200, { errors: [], messages: [], result, success: true });
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
