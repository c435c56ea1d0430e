/**
 * Loopback Kill Bill following kbswagger 0.24.10 (0.22.22 on request) and the server's UsageResource
 * (../shared/specs/killbill): the usage API (GET /1.0/kb/usages/{subscriptionId}[/{unitType}], POST
 * /1.0/kb/usages), and what a client needs to shape its records: GET /1.0/kb/subscriptions/{id} (its
 * accountId), GET /1.0/kb/accounts/{id} (its timeZone) and GET /1.0/kb/nodesInfo (kbVersion), behind
 * basic auth plus the tenant's X-Killbill-ApiKey/ApiSecret. Usage is scripted per local day (visible
 * once the simulator's clock reaches the day) and recorded by POST, on the day Kill Bill would file it.
 *
 * Invoicing, per kbswagger's generateDryRunInvoice, getAccounts, getAccountByKey and
 * getAccountCustomFields: POST /1.0/kb/invoices/dryRun prices an account's upcoming invoice by a small
 * catalog (CATALOG: a tiered in-arrear usage plan and a monthly plan billed in advance), as Kill Bill
 * would on the account's next bill cycle day; GET /1.0/kb/accounts/pagination, GET
 * /1.0/kb/accounts?externalKey= and GET /1.0/kb/accounts/{id}/customFields list what a client needs to
 * name the customers and their caps.
 *
 * Blocking, per addSubscriptionBlockingState, getBlockingStates and getAccountBundles: POST
 * /1.0/kb/subscriptions/{id}/block stores a BlockingState, kept per (blocked ID, service) with its
 * history; GET /1.0/kb/accounts/{id}/block lists them, GET /1.0/kb/accounts/{id}/bundles the account's
 * subscriptions (one bundle each), whose `state` is BLOCKED while any service blocks its entitlement.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type Decimal, decimal } from '../../lib/money/index.ts';
import { daysInMonth, localDateKey, offsetMs, pad } from '../../lib/time/zoned.ts';
import { json, type SimReply, type SimRequest, Simulator } from './kit.ts';

/**
 * A price tier of a usage plan (Kill Bill's TieredBlock, ALL_TIERS policy): usage is counted in blocks
 * of `blockSize` units, a started block whole, at `price` per block, for at most `maxBlocks` blocks in
 * this tier (the last tier has no maximum); what is left goes to the next tier.
 */
interface UsageTier {
  blockSize: number;
  maxBlocks?: number;
  /** Price per block, by currency. */
  price: Record<string, string>;
}

/** A plan of the simulated catalog: usage billed in arrear by tiers, or a fee billed in advance. */
export type CatalogPlan =
  | { kind: 'usage'; product: string; phase: string; usage: string; unitType: string; tiers: UsageTier[] }
  | { kind: 'recurring'; product: string; phase: string; price: Record<string, string> };

/**
 * The simulator's catalog. `api-usage-monthly` bills API calls in arrear, per 1,000 calls: the first
 * 1,000 blocks (1,000,000 calls) at 0.40, the next 9,000 blocks at 0.25, the rest at 0.10 (USD; JPY
 * 60, 40, 15). `platform-monthly` is a 500.00 USD (¥75,000) monthly fee billed in advance.
 */
export const CATALOG: Record<string, CatalogPlan> = {
  'api-usage-monthly': {
    kind: 'usage',
    product: 'API',
    phase: 'api-usage-monthly-evergreen',
    usage: 'api-calls-tiered',
    unitType: 'api-calls',
    tiers: [
      { blockSize: 1000, maxBlocks: 1000, price: { USD: '0.40', JPY: '60' } },
      { blockSize: 1000, maxBlocks: 9000, price: { USD: '0.25', JPY: '40' } },
      { blockSize: 1000, price: { USD: '0.10', JPY: '15' } },
    ],
  },
  'platform-monthly': {
    kind: 'recurring',
    product: 'Platform',
    phase: 'platform-monthly-evergreen',
    price: { USD: '500.00', JPY: '75000' },
  },
};

/** The plan a subscription is on when its account names none. */
const DEFAULT_PLAN = 'api-usage-monthly';

/** A Kill Bill account of the tenant (a customer), its subscriptions and what it is billed by. */
export interface KillBillSimAccount {
  accountId: string;
  /** Account.name, default "Simulated customer". */
  name?: string;
  /** Account.externalKey; Kill Bill's default is the account ID. */
  externalKey?: string;
  /** Account.currency, default USD. */
  currency?: string;
  /** Account.billCycleDayLocal, default 1: invoices are dated that day of each month. */
  billCycleDay?: number;
  /** Account.timeZone, default UTC: recorded instants are filed on the day they fall on there. */
  timeZone?: string;
  /** Account.referenceTime, default the simulator's start: it fixes the zone's offset (see `dayOf`). */
  referenceTime?: string;
  subscriptions: string[];
  /** Each subscription's plan in CATALOG, by subscription ID; DEFAULT_PLAN when not named. */
  plans?: Record<string, string>;
  /** The account's custom fields, name → value (GET /1.0/kb/accounts/{id}/customFields). */
  customFields?: Record<string, string>;
  /** Each subscription's entitlement state, by subscription ID; ACTIVE when not named. */
  states?: Record<string, 'PENDING' | 'ACTIVE' | 'CANCELLED' | 'EXPIRED'>;
}

/** A BlockingState as stored: kbswagger's fields, its effective date set on arrival. */
export interface StoredBlockingState {
  blockedId: string;
  stateName: string;
  service: string;
  isBlockChange: boolean;
  isBlockEntitlement: boolean;
  isBlockBilling: boolean;
  type: 'SUBSCRIPTION' | 'SUBSCRIPTION_BUNDLE' | 'ACCOUNT';
  effectiveDate: string;
}

/** The account `subscriptions` belong to (in UTC). */
export const DEFAULT_ACCOUNT_ID = '0f3a6b1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b';

export interface KillBillSimOptions {
  username: string;
  password: string;
  apiKey: string;
  apiSecret: string;
  /**
   * Subscriptions of the tenant's account DEFAULT_ACCOUNT_ID (in UTC); any subscription neither here
   * nor in `accounts` answers 404 as Kill Bill's SUB_INVALID_SUBSCRIPTION_ID.
   */
  subscriptions: string[];
  /** What DEFAULT_ACCOUNT_ID is besides its subscriptions (name, external key, plans...). */
  defaultAccount?: Omit<KillBillSimAccount, 'accountId' | 'subscriptions'>;
  /** More accounts of the tenant, with their time zones and subscriptions, listed in this order. */
  accounts?: KillBillSimAccount[];
  now: () => Date;
  /** Usage per subscription, unit type and day ("2026-11-23"), as amounts. */
  usage?: Record<string, Record<string, Record<string, number | string>>>;
  /** Last active day per subscription: later usage is refused with Kill Bill's empty 400. */
  endDates?: Record<string, string>;
  /**
   * The server's version (nodesInfo's kbVersion) and dialect: 0.24 (decimal amounts, date-time dates)
   * or 0.22 (int64 amounts, dates).
   */
  version?: '0.24' | '0.22';
  /** Blocking states the tenant already holds (another service's block), oldest first. */
  blockingStates?: StoredBlockingState[];
}

/** One usage record as Kill Bill stores it (a row of rolled_up_usage). */
export interface StoredUsage {
  subscriptionId: string;
  unitType: string;
  /** The day Kill Bill files the record on, in its account's time zone. */
  date: string;
  /** recordDate as sent. */
  recordDate: string;
  /** As stored: 0.22 keeps whole numbers. */
  amount: string;
  trackingId: string;
  createdBy: string;
}

interface PostedUsage {
  subscriptionId?: string;
  trackingId?: string;
  unitUsageRecords?: { unitType?: string; usageRecords?: { recordDate?: string; amount?: number }[] }[];
}

const TRACKING_ID_ALREADY_EXISTS = 50_000;
const SUB_INVALID_SUBSCRIPTION_ID = 1082;
const ACCOUNT_DOES_NOT_EXIST_FOR_ID = 3003;
const ACCOUNT_DOES_NOT_EXIST_FOR_KEY = 3004;
const CAT_NO_PRICE_FOR_CURRENCY = 2004;
/** getAccounts' default page size (kbswagger: limit default 100). */
const DEFAULT_PAGE = 100;
const INVOICE_DRY_RUN_PATH = '/1.0/kb/invoices/dryRun';
const CUSTOM_FIELDS_PATH = /^\/1\.0\/kb\/accounts\/(\w+-\w+-\w+-\w+-\w+)\/customFields$/;
// The resources' path pattern for UUIDs.
const USAGE_PATH = /^\/1\.0\/kb\/usages\/(\w+-\w+-\w+-\w+-\w+)(?:\/([^/]+))?$/;
const SUBSCRIPTION_PATH = /^\/1\.0\/kb\/subscriptions\/(\w+-\w+-\w+-\w+-\w+)$/;
const ACCOUNT_PATH = /^\/1\.0\/kb\/accounts\/(\w+-\w+-\w+-\w+-\w+)$/;
const ACCOUNT_PART_PATH = /^\/1\.0\/kb\/accounts\/(\w+-\w+-\w+-\w+-\w+)\/(bundles|block)$/;
const BLOCK_PATH = /^\/1\.0\/kb\/subscriptions\/(\w+-\w+-\w+-\w+-\w+)\/block$/;
const BLOCKING_TYPES = new Set(['SUBSCRIPTION', 'SUBSCRIPTION_BUNDLE', 'ACCOUNT']);
const DATE_PREFIX = /^\d{4}-\d{2}-\d{2}/;
const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;
const KB_VERSIONS = { '0.24': '0.24.10', '0.22': '0.22.32' } as const;

/** The body Kill Bill's exception mappers send (BillingExceptionJson, without stack trace). */
export function billingException(className: string, code: number | null, message: string) {
  return { className, code, message, causeClassName: null, causeMessage: null, stackTrace: [] };
}

const illegalArgument = (message: string) =>
  json(400, billingException('java.lang.IllegalArgumentException', null, message));

// Jackson cannot map the body onto the DTO (a recordDate Joda will not parse): Kill Bill answers 400.
const unmappable = (value: string) =>
  json(
    400,
    billingException(
      'com.fasterxml.jackson.databind.JsonMappingException',
      null,
      `Invalid format: "${value}" is malformed`,
    ),
  );

export class KillBillSimulator extends Simulator {
  readonly options: Required<KillBillSimOptions>;
  /** Dry runs priced (200 or 204), in arrival order, by account ID: what they cost the server. */
  readonly dryRuns: string[] = [];
  /** Records taken by POST /1.0/kb/usages, in arrival order. */
  readonly recorded: StoredUsage[] = [];
  private readonly startedAt: Date;

  constructor(options: KillBillSimOptions) {
    super('killbill', (request) => this.answer(request));
    this.options = {
      usage: {},
      endDates: {},
      version: '0.24',
      accounts: [],
      defaultAccount: {},
      blockingStates: [],
      ...options,
    };
    this.startedAt = this.options.now();
  }

  /** Every blocking-state write received, in order, whatever it was answered (faults included). */
  get blockWrites(): SimRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && BLOCK_PATH.test(r.path));
  }

  /** The current blocking state of `blockedId` for `service`: the latest one stored. */
  blockingState(blockedId: string, service: string): StoredBlockingState | undefined {
    return this.options.blockingStates.findLast((s) => s.blockedId === blockedId && s.service === service);
  }

  /** Subscription.state as Kill Bill reports it: BLOCKED while any service blocks its entitlement. */
  subscriptionState(subscriptionId: string): string {
    const account = this.accountOf(subscriptionId);
    const state = account?.states?.[subscriptionId] ?? 'ACTIVE';
    if (state !== 'ACTIVE') return state;
    const services = new Set(
      this.options.blockingStates.filter((s) => s.blockedId === subscriptionId).map((s) => s.service),
    );
    const blocked = [...services].some(
      (service) => this.blockingState(subscriptionId, service)?.isBlockEntitlement,
    );
    return blocked ? 'BLOCKED' : state;
  }

  private answer(request: SimRequest): SimReply {
    // nodesInfo is not per tenant: the user's credentials are enough (Swagger: basicAuth only).
    const tenantless = request.path === '/1.0/kb/nodesInfo';
    if (!this.authenticated(request, tenantless)) {
      return { status: 401, headers: { 'WWW-Authenticate': 'BASIC realm="application"' } };
    }
    if (request.path === '/1.0/kb/usages') {
      return request.method === 'POST' ? this.record(request) : { status: 405 };
    }
    if (request.path === INVOICE_DRY_RUN_PATH)
      return request.method === 'POST' ? this.dryRun(request) : { status: 405 };
    const block = BLOCK_PATH.exec(request.path);
    if (block) return request.method === 'POST' ? this.block(request, block[1]!) : { status: 405 };
    if (request.method !== 'GET') return { status: 405 };
    if (tenantless) return json(200, [this.nodeInfo()]);
    if (request.path === '/1.0/kb/accounts/pagination') return this.accountPage(request);
    if (request.path === '/1.0/kb/accounts') return this.accountByKey(request);
    const fields = CUSTOM_FIELDS_PATH.exec(request.path);
    if (fields) return this.customFields(fields[1]!);
    const part = ACCOUNT_PART_PATH.exec(request.path);
    if (part) return part[2] === 'bundles' ? this.bundles(part[1]!) : this.accountBlocks(request, part[1]!);
    const subscription = SUBSCRIPTION_PATH.exec(request.path);
    if (subscription) return this.subscription(subscription[1]!);
    const account = ACCOUNT_PATH.exec(request.path);
    if (account) return this.account(account[1]!);
    const usage = USAGE_PATH.exec(request.path);
    if (!usage) return { status: 404 };
    return this.rolledUp(
      request,
      usage[1]!,
      usage[2] === undefined ? undefined : decodeURIComponent(usage[2]),
    );
  }

  /** Shiro checks the user's basic credentials, then the tenant filter the API key and secret. */
  private authenticated(request: SimRequest, tenantless: boolean): boolean {
    const { username, password, apiKey, apiSecret } = this.options;
    const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    return (
      request.headers.authorization === expected &&
      (tenantless ||
        (request.headers['x-killbill-apikey'] === apiKey &&
          request.headers['x-killbill-apisecret'] === apiSecret))
    );
  }

  private get accounts(): KillBillSimAccount[] {
    return [
      {
        ...this.options.defaultAccount,
        accountId: DEFAULT_ACCOUNT_ID,
        subscriptions: this.options.subscriptions,
      },
      ...this.options.accounts,
    ];
  }

  private accountOf(subscriptionId: string): KillBillSimAccount | undefined {
    return this.accounts.find((account) => account.subscriptions.includes(subscriptionId));
  }

  /**
   * The day Kill Bill files a recorded instant on: its date in the account's time zone, at the offset
   * the zone had at the account's reference time (Kill Bill's fixed-offset time zone, so a DST change
   * does not move it).
   */
  private dayOf(instant: Date, account: KillBillSimAccount): string {
    const referenceTime = account.referenceTime ? new Date(account.referenceTime) : this.startedAt;
    const fixedOffset = offsetMs(referenceTime, account.timeZone ?? 'UTC');
    return localDateKey(new Date(instant.getTime() + fixedOffset), 'UTC');
  }

  /** NodeInfo of the one node (kbswagger's NodeInfo; the node is up since the simulator started). */
  private nodeInfo() {
    const since = this.startedAt.toISOString();
    return {
      nodeName: 'killbill-simulator',
      bootTime: since,
      lastUpdatedDate: since,
      kbVersion: KB_VERSIONS[this.options.version],
      pluginsInfo: [],
    };
  }

  /** GET /1.0/kb/subscriptions/{subscriptionId}. */
  private subscription(subscriptionId: string): SimReply {
    const account = this.accountOf(subscriptionId);
    if (!account) return this.unknownSubscription(subscriptionId);
    return json(200, this.subscriptionJson(account, subscriptionId));
  }

  /** kbswagger's Subscription: what the catalog requires, the account and bundle it belongs to, its state. */
  private subscriptionJson(account: KillBillSimAccount, subscriptionId: string) {
    const since = this.startedAt.toISOString();
    const planName = account.plans?.[subscriptionId] ?? DEFAULT_PLAN;
    return {
      accountId: account.accountId,
      bundleId: uuidOf('bundle', subscriptionId),
      bundleExternalKey: subscriptionId,
      subscriptionId,
      externalKey: subscriptionId,
      startDate: since,
      productName: CATALOG[planName]?.product ?? 'Usage',
      productCategory: 'BASE',
      billingPeriod: 'MONTHLY',
      phaseType: 'EVERGREEN',
      priceList: 'DEFAULT',
      planName,
      state: this.subscriptionState(subscriptionId),
      sourceType: 'NATIVE',
      billingStartDate: since,
      billCycleDayLocal: 1,
      events: [],
      priceOverrides: [],
      prices: [],
      auditLogs: [],
    };
  }

  /** GET /1.0/kb/accounts/{accountId}/bundles: one Bundle per subscription, as the simulator bills them. */
  private bundles(accountId: string): SimReply {
    const account = this.accounts.find((a) => a.accountId === accountId);
    if (!account) return this.unknownAccount(accountId);
    return json(
      200,
      account.subscriptions.map((subscriptionId) => ({
        accountId,
        bundleId: uuidOf('bundle', subscriptionId),
        externalKey: subscriptionId,
        subscriptions: [this.subscriptionJson(account, subscriptionId)],
        auditLogs: [],
      })),
    );
  }

  /**
   * GET /1.0/kb/accounts/{accountId}/block: the blocking states (with their history) of the account
   * and its subscriptions, of the types and services asked for (all when the query names none).
   */
  private accountBlocks(request: SimRequest, accountId: string): SimReply {
    const account = this.accounts.find((a) => a.accountId === accountId);
    if (!account) return this.unknownAccount(accountId);
    const types = request.query.getAll('blockingStateTypes');
    const services = request.query.getAll('blockingStateSvcs');
    const ours = new Set([accountId, ...account.subscriptions]);
    return json(
      200,
      this.options.blockingStates
        .filter((s) => ours.has(s.blockedId))
        .filter((s) => types.length === 0 || types.includes(s.type))
        .filter((s) => services.length === 0 || services.includes(s.service))
        .map((s) => ({ ...s, auditLogs: [] })),
    );
  }

  /**
   * POST /1.0/kb/subscriptions/{subscriptionId}/block: stores the BlockingState, effective now, as the
   * current one of its (subscription, service); 201 with the subscription's blocking states.
   */
  private block(request: SimRequest, subscriptionId: string): SimReply {
    if (typeof request.headers['x-killbill-createdby'] !== 'string')
      return illegalArgument('Header X-Killbill-CreatedBy needs to be set');
    const body = request.body as Partial<Record<keyof StoredBlockingState, unknown>> | undefined;
    if (!body || typeof body !== 'object')
      return illegalArgument('BlockingStateJson body should be specified');
    if (typeof body.stateName !== 'string' || typeof body.service !== 'string')
      return illegalArgument('BlockingStateJson stateName and service need to be set');
    if (typeof body.type !== 'string' || !BLOCKING_TYPES.has(body.type))
      return illegalArgument(
        `BlockingStateJson type ${JSON.stringify(body.type)} is not a BlockingStateType`,
      );
    if (!this.accountOf(subscriptionId)) return this.unknownSubscription(subscriptionId);
    this.options.blockingStates.push({
      blockedId: subscriptionId,
      stateName: body.stateName,
      service: body.service,
      isBlockChange: body.isBlockChange === true,
      isBlockEntitlement: body.isBlockEntitlement === true,
      isBlockBilling: body.isBlockBilling === true,
      type: body.type as StoredBlockingState['type'],
      effectiveDate: this.options.now().toISOString(),
    });
    return json(
      201,
      this.options.blockingStates
        .filter((s) => s.blockedId === subscriptionId)
        .map((s) => ({ ...s, auditLogs: [] })),
    );
  }

  /** GET /1.0/kb/accounts/{accountId}: kbswagger's Account. */
  private account(accountId: string): SimReply {
    const account = this.accounts.find((a) => a.accountId === accountId);
    if (!account) return this.unknownAccount(accountId);
    return json(200, this.accountJson(account));
  }

  /** kbswagger's Account, as Kill Bill fills it for an account without balance or audit. */
  private accountJson(account: KillBillSimAccount) {
    return {
      accountId: account.accountId,
      name: account.name ?? 'Simulated customer',
      externalKey: account.externalKey ?? account.accountId,
      billCycleDayLocal: account.billCycleDay ?? 1,
      currency: account.currency ?? 'USD',
      isPaymentDelegatedToParent: false,
      referenceTime: account.referenceTime ?? this.startedAt.toISOString(),
      timeZone: account.timeZone ?? 'UTC',
      isMigrated: false,
      auditLogs: [],
    };
  }

  /** AccountApiException's 404 for an account the tenant does not have, by ID or by external key. */
  private unknownAccount(accountId: string, by: 'id' | 'key' = 'id'): SimReply {
    return json(
      404,
      billingException(
        'org.killbill.billing.account.api.AccountApiException',
        by === 'id' ? ACCOUNT_DOES_NOT_EXIST_FOR_ID : ACCOUNT_DOES_NOT_EXIST_FOR_KEY,
        `Account does not exist for ${by} ${accountId}`,
      ),
    );
  }

  /**
   * GET /1.0/kb/accounts/pagination: the tenant's accounts in the order they were created, `limit`
   * from `offset`, with Kill Bill's X-Killbill-Pagination-* headers.
   */
  private accountPage(request: SimRequest): SimReply {
    const offset = Number(request.query.get('offset') ?? 0);
    const limit = Number(request.query.get('limit') ?? DEFAULT_PAGE);
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 0)
      return illegalArgument('offset and limit must be whole numbers of zero or more');
    const all = this.accounts;
    const page = all.slice(offset, offset + limit);
    const next = offset + page.length;
    const headers: Record<string, string> = {
      'X-Killbill-Pagination-CurrentOffset': String(offset),
      'X-Killbill-Pagination-TotalNbRecords': String(all.length),
      'X-Killbill-Pagination-MaxNbRecords': String(all.length),
      ...(next < all.length && {
        'X-Killbill-Pagination-NextOffset': String(next),
        'X-Killbill-Pagination-NextPageUri': `/1.0/kb/accounts/pagination?offset=${next}&limit=${limit}`,
      }),
    };
    return json(
      200,
      page.map((account) => this.accountJson(account)),
      headers,
    );
  }

  /** GET /1.0/kb/accounts?externalKey=: the account with that key, or Kill Bill's 404. */
  private accountByKey(request: SimRequest): SimReply {
    const key = request.query.get('externalKey');
    if (key === null) return illegalArgument('externalKey needs to be specified');
    const account = this.accounts.find((a) => (a.externalKey ?? a.accountId) === key);
    if (!account) return this.unknownAccount(key, 'key');
    return json(200, this.accountJson(account));
  }

  /** GET /1.0/kb/accounts/{accountId}/customFields: kbswagger's CustomField list (none for an unknown ID). */
  private customFields(accountId: string): SimReply {
    const account = this.accounts.find((a) => a.accountId === accountId);
    return json(
      200,
      Object.entries(account?.customFields ?? {}).map(([name, value]) => ({
        customFieldId: uuidOf('custom-field', accountId, name),
        objectId: accountId,
        objectType: 'ACCOUNT',
        name,
        value,
        auditLogs: [],
      })),
    );
  }

  /**
   * POST /1.0/kb/invoices/dryRun?accountId= with `{"dryRunType": "UPCOMING_INVOICE"}`: the invoice Kill
   * Bill would generate on the account's next bill cycle day (after today, in its time zone), priced
   * by CATALOG: each usage plan's usage since the last bill cycle day, in arrear, one item per tier
   * reached; each monthly plan's fee for the cycle that starts, in advance. 204 when the account has
   * nothing to invoice (no subscription). Records nothing.
   */
  private dryRun(request: SimRequest): SimReply {
    const body = request.body as { dryRunType?: unknown } | undefined;
    if (typeof request.headers['x-killbill-createdby'] !== 'string')
      return illegalArgument('Header X-Killbill-CreatedBy needs to be set');
    const accountId = request.query.get('accountId');
    if (!accountId) return illegalArgument('accountId needs to be specified');
    if (!body || typeof body !== 'object') return illegalArgument('Body should be specified');
    if (body.dryRunType !== 'UPCOMING_INVOICE')
      return illegalArgument(
        `the simulator prices UPCOMING_INVOICE dry runs only, not ${JSON.stringify(body.dryRunType)}`,
      );
    const account = this.accounts.find((a) => a.accountId === accountId);
    if (!account) return this.unknownAccount(accountId);
    this.dryRuns.push(accountId);
    const currency = account.currency ?? 'USD';
    const cycle = billingCycle(
      localDateKey(this.options.now(), account.timeZone ?? 'UTC'),
      account.billCycleDay ?? 1,
    );
    const invoiceId = uuidOf('invoice', accountId, cycle.target);
    const items: Record<string, unknown>[] = [];
    for (const subscriptionId of account.subscriptions) {
      const planName = account.plans?.[subscriptionId] ?? DEFAULT_PLAN;
      const plan = CATALOG[planName];
      if (!plan) continue;
      const item = (
        fields: Record<string, unknown>,
        price: Decimal,
        quantity: Decimal | undefined,
        rate: string,
      ) => ({
        invoiceItemId: uuidOf('item', invoiceId, subscriptionId, String(items.length)),
        invoiceId,
        accountId,
        bundleId: uuidOf('bundle', subscriptionId),
        subscriptionId,
        productName: plan.product,
        planName,
        phaseName: plan.phase,
        currency,
        amount: Number(price.toFixed()),
        rate: Number(rate),
        ...(quantity && { quantity: Number(quantity.toFixed()) }),
        catalogEffectiveDate: this.startedAt.toISOString(),
        childItems: [],
        auditLogs: [],
        ...fields,
      });
      const priceIn = (prices: Record<string, string>) => prices[currency];
      if (plan.kind === 'recurring') {
        const fee = priceIn(plan.price);
        if (fee === undefined) return this.noPrice(planName, currency);
        items.push(
          item(
            { itemType: 'RECURRING', description: planName, startDate: cycle.target, endDate: cycle.next },
            decimal(fee),
            undefined,
            fee,
          ),
        );
        continue;
      }
      let left = this.usageOf(subscriptionId, plan.unitType, cycle.start, cycle.target);
      for (const [i, tier] of plan.tiers.entries()) {
        const price = priceIn(tier.price);
        if (price === undefined) return this.noPrice(planName, currency);
        // A started block is a whole block; the tier takes as many as it holds.
        const needed = left.div(tier.blockSize).round(0, 3);
        const blocks =
          tier.maxBlocks === undefined || needed.lt(tier.maxBlocks) ? needed : decimal(tier.maxBlocks);
        if (blocks.eq(0) && i > 0) break;
        items.push(
          item(
            {
              itemType: 'USAGE',
              usageName: plan.usage,
              description: `${plan.usage} tier ${i + 1}`,
              startDate: cycle.start,
              endDate: cycle.target,
            },
            blocks.times(price),
            blocks,
            price,
          ),
        );
        left = left.minus(blocks.times(tier.blockSize));
        if (left.lte(0)) break;
      }
    }
    if (items.length === 0) return { status: 204 };
    const amount = items.reduce((sum, i) => sum.plus(decimal(i.amount as number)), decimal(0));
    return json(200, {
      amount: Number(amount.toFixed()),
      currency,
      status: 'DRAFT',
      creditAdj: 0,
      refundAdj: 0,
      invoiceId,
      invoiceDate: localDateKey(this.options.now(), account.timeZone ?? 'UTC'),
      targetDate: cycle.target,
      balance: Number(amount.toFixed()),
      accountId,
      credits: [],
      items,
      trackingIds: [],
      isParentInvoice: false,
      auditLogs: [],
    });
  }

  /** A subscription's usage of one unit type on the days [from, to). */
  private usageOf(subscriptionId: string, unitType: string, from: string, to: string): Decimal {
    return this.rows(subscriptionId)
      .filter((row) => row.unitType === unitType && row.date >= from && row.date < to)
      .reduce((sum, row) => sum.plus(decimal(row.amount)), decimal(0));
  }

  private noPrice(plan: string, currency: string): SimReply {
    return json(
      400,
      billingException(
        'org.killbill.billing.catalog.api.CatalogApiException',
        CAT_NO_PRICE_FOR_CURRENCY,
        `The plan ${plan} has no price in currency ${currency}`,
      ),
    );
  }

  private rolledUp(request: SimRequest, subscriptionId: string, unitType: string | undefined): SimReply {
    const startDate = request.query.get('startDate');
    const endDate = request.query.get('endDate');
    // UsageResource: "Missing start date or end date" is a bare 400.
    if (startDate === null || endDate === null) return { status: 400 };
    if (!DATE_PREFIX.test(startDate) || !DATE_PREFIX.test(endDate))
      return illegalArgument(`Invalid format: "${DATE_PREFIX.test(startDate) ? endDate : startDate}"`);
    if (!this.accountOf(subscriptionId)) return this.unknownSubscription(subscriptionId);
    const from = startDate.slice(0, 10);
    const to = endDate.slice(0, 10);
    const totals = new Map<string, Decimal>();
    for (const row of this.rows(subscriptionId)) {
      if (row.date < from || row.date >= to || (unitType !== undefined && row.unitType !== unitType))
        continue;
      totals.set(row.unitType, (totals.get(row.unitType) ?? decimal(0)).plus(decimal(row.amount)));
    }
    const legacy = this.options.version === '0.22';
    const asDate = (day: string) => (legacy ? day : `${day}T00:00:00.000Z`);
    return json(200, {
      subscriptionId,
      startDate: asDate(from),
      endDate: asDate(to),
      rolledUpUnits: [...totals]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([unit, total]) => ({ unitType: unit, amount: Number(total.toString()) })),
    });
  }

  /** Scripted usage up to today (the future has not happened) plus everything recorded. */
  private rows(subscriptionId: string): { unitType: string; date: string; amount: string }[] {
    const today = localDateKey(this.options.now(), 'UTC');
    const scripted = Object.entries(this.options.usage[subscriptionId] ?? {}).flatMap(([unitType, days]) =>
      Object.entries(days)
        .filter(([date]) => date <= today)
        .map(([date, amount]) => ({ unitType, date, amount: String(amount) })),
    );
    return [...scripted, ...this.recorded.filter((row) => row.subscriptionId === subscriptionId)];
  }

  /** Validates in UsageResource.recordUsage's order, then DefaultUsageUserApi's trackingId check. */
  private record(request: SimRequest): SimReply {
    const body = request.body as PostedUsage | undefined;
    if (!body || typeof body !== 'object')
      return illegalArgument('SubscriptionUsageRecordJson body should be specified');
    if (!body.subscriptionId)
      return illegalArgument('SubscriptionUsageRecordJson subscriptionId needs to be set');
    if (!body.unitUsageRecords)
      return illegalArgument('SubscriptionUsageRecordJson unitUsageRecords needs to be set');
    if (body.unitUsageRecords.length === 0) return illegalArgument('json.getUnitUsageRecords() is empty');
    for (const unit of body.unitUsageRecords) {
      if (!unit.unitType) return illegalArgument('UnitUsageRecordJson unitType need to be set');
      if (!unit.usageRecords?.length)
        return illegalArgument('UnitUsageRecordJson usageRecords must have at least one element.');
      for (const usage of unit.usageRecords) {
        if (typeof usage.amount !== 'number')
          return illegalArgument('UsageRecordJson amount needs to be set');
        if (!usage.recordDate || !DATE_PREFIX.test(usage.recordDate))
          return illegalArgument('UsageRecordJson recordDate needs to be set');
      }
    }
    const createdBy = request.headers['x-killbill-createdby'];
    if (typeof createdBy !== 'string') return illegalArgument('Header X-Killbill-CreatedBy needs to be set');
    const { subscriptionId } = body;
    const account = this.accountOf(subscriptionId);
    if (!account) return this.unknownSubscription(subscriptionId);
    const legacy = this.options.version === '0.22';
    const rows: Omit<StoredUsage, 'trackingId'>[] = [];
    for (const unit of body.unitUsageRecords) {
      for (const usage of unit.usageRecords!) {
        const recordDate = usage.recordDate!;
        // 0.22 reads a LocalDate, the day itself. 0.24 reads a Joda DateTime (a bare date is midnight
        // UTC, the server's zone) and files the instant on its day in the account's time zone.
        const instant = new Date(recordDate);
        if (legacy ? !BARE_DATE.test(recordDate) : Number.isNaN(instant.getTime()))
          return unmappable(recordDate);
        rows.push({
          subscriptionId,
          unitType: unit.unitType!,
          date: legacy ? recordDate : this.dayOf(instant, account),
          recordDate,
          // 0.22 maps the amount onto a Long, which drops any fraction (12.5 is stored as 12).
          amount: String(legacy ? Math.trunc(usage.amount!) : usage.amount),
          createdBy,
        });
      }
    }
    const endDate = this.options.endDates[subscriptionId];
    if (endDate !== undefined && rows.some((row) => row.date > endDate)) return { status: 400 };
    const trackingId = body.trackingId || randomUUID();
    if (this.recorded.some((row) => row.subscriptionId === subscriptionId && row.trackingId === trackingId)) {
      return json(
        400,
        billingException(
          'org.killbill.billing.usage.api.UsageApiException',
          TRACKING_ID_ALREADY_EXISTS,
          `A usage record with tracking ID ${trackingId} already exists`,
        ),
      );
    }
    this.recorded.push(...rows.map((row) => ({ ...row, trackingId })));
    return { status: 201 };
  }

  private unknownSubscription(subscriptionId: string): SimReply {
    return json(
      404,
      billingException(
        'org.killbill.billing.entitlement.api.EntitlementApiException',
        SUB_INVALID_SUBSCRIPTION_ID,
        `Unknown subscription ${subscriptionId}`,
      ),
    );
  }
}

/**
 * The bill cycle around `today` (a local date) for a bill cycle day: the cycle started on its last
 * bill cycle day (`start`, today included), the next one (`target`, after today) and the one after
 * (`next`). A day past a month's end is its last day, as Kill Bill bills a 31 in February on the 28th.
 */
function billingCycle(today: string, billCycleDay: number): { start: string; target: string; next: string } {
  const [year, month] = today.split('-').map(Number) as [number, number];
  const on = (y: number, m: number) => {
    const normal = new Date(Date.UTC(y, m - 1, 1));
    const yy = normal.getUTCFullYear();
    const mm = normal.getUTCMonth() + 1;
    return `${yy}-${pad(mm)}-${pad(Math.min(billCycleDay, daysInMonth(yy, mm)))}`;
  };
  const thisMonth = on(year, month);
  const startMonth = thisMonth <= today ? month : month - 1;
  return { start: on(year, startMonth), target: on(year, startMonth + 1), next: on(year, startMonth + 2) };
}

/** A stable UUID for what `parts` name, so replies are the same from run to run. */
function uuidOf(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
