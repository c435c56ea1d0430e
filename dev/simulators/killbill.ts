/**
 * Loopback Kill Bill following kbswagger 0.24.10 (0.22.22 on request) and the server's UsageResource
 * (../shared/specs/killbill): the usage API (GET /1.0/kb/usages/{subscriptionId}[/{unitType}], POST
 * /1.0/kb/usages), and what a client needs to shape its records: GET /1.0/kb/subscriptions/{id} (its
 * accountId), GET /1.0/kb/accounts/{id} (its timeZone) and GET /1.0/kb/nodesInfo (kbVersion), behind
 * basic auth plus the tenant's X-Killbill-ApiKey/ApiSecret. Usage is scripted per local day (visible
 * once the simulator's clock reaches the day) and recorded by POST, on the day Kill Bill would file it.
 */
import { randomUUID } from 'node:crypto';
import { type Decimal, decimal } from '../../lib/money/index.ts';
import { localDateKey, offsetMs } from '../../lib/time/zoned.ts';
import { json, type SimReply, type SimRequest, Simulator } from './kit.ts';

/** A Kill Bill account of the tenant and its subscriptions. */
export interface KillBillSimAccount {
  accountId: string;
  /** Account.timeZone, default UTC: recorded instants are filed on the day they fall on there. */
  timeZone?: string;
  /** Account.referenceTime, default the simulator's start: it fixes the zone's offset (see `dayOf`). */
  referenceTime?: string;
  subscriptions: string[];
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
  /** More accounts of the tenant, with their time zones and subscriptions. */
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
// The resources' path pattern for UUIDs.
const USAGE_PATH = /^\/1\.0\/kb\/usages\/(\w+-\w+-\w+-\w+-\w+)(?:\/([^/]+))?$/;
const SUBSCRIPTION_PATH = /^\/1\.0\/kb\/subscriptions\/(\w+-\w+-\w+-\w+-\w+)$/;
const ACCOUNT_PATH = /^\/1\.0\/kb\/accounts\/(\w+-\w+-\w+-\w+-\w+)$/;
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
  /** Records taken by POST /1.0/kb/usages, in arrival order. */
  readonly recorded: StoredUsage[] = [];
  private readonly startedAt: Date;

  constructor(options: KillBillSimOptions) {
    super('killbill', (request) => this.answer(request));
    this.options = { usage: {}, endDates: {}, version: '0.24', accounts: [], ...options };
    this.startedAt = this.options.now();
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
    if (request.method !== 'GET') return { status: 405 };
    if (tenantless) return json(200, [this.nodeInfo()]);
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
      { accountId: DEFAULT_ACCOUNT_ID, subscriptions: this.options.subscriptions },
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

  /** kbswagger's Subscription: what the catalog requires, and the account it belongs to. */
  private subscription(subscriptionId: string): SimReply {
    const account = this.accountOf(subscriptionId);
    if (!account) return this.unknownSubscription(subscriptionId);
    const since = this.startedAt.toISOString();
    return json(200, {
      accountId: account.accountId,
      subscriptionId,
      externalKey: subscriptionId,
      startDate: since,
      productName: 'Usage',
      productCategory: 'BASE',
      billingPeriod: 'MONTHLY',
      phaseType: 'EVERGREEN',
      priceList: 'DEFAULT',
      planName: 'usage-monthly',
      state: 'ACTIVE',
      sourceType: 'NATIVE',
      billingStartDate: since,
      billCycleDayLocal: 1,
      events: [],
      priceOverrides: [],
      prices: [],
      auditLogs: [],
    });
  }

  /** kbswagger's Account. */
  private account(accountId: string): SimReply {
    const account = this.accounts.find((a) => a.accountId === accountId);
    if (!account) {
      return json(
        404,
        billingException(
          'org.killbill.billing.account.api.AccountApiException',
          ACCOUNT_DOES_NOT_EXIST_FOR_ID,
          `Account does not exist for id ${accountId}`,
        ),
      );
    }
    return json(200, {
      accountId,
      name: 'Simulated customer',
      externalKey: accountId,
      billCycleDayLocal: 1,
      currency: 'USD',
      isPaymentDelegatedToParent: false,
      referenceTime: account.referenceTime ?? this.startedAt.toISOString(),
      timeZone: account.timeZone ?? 'UTC',
      isMigrated: false,
      auditLogs: [],
    });
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
