/**
 * Loopback Kill Bill usage API following kbswagger 0.24.10 (0.22.22 on request) and the server's
 * UsageResource (../shared/specs/killbill): GET /1.0/kb/usages/{subscriptionId}[/{unitType}] and
 * POST /1.0/kb/usages, behind basic auth plus the tenant's X-Killbill-ApiKey/ApiSecret. Usage is
 * scripted per local day (visible once the simulator's clock reaches the day) and recorded by POST.
 */
import { randomUUID } from 'node:crypto';
import { type Decimal, decimal } from '../../lib/money/index.ts';
import { localDateKey } from '../../lib/time/zoned.ts';
import { json, type SimReply, type SimRequest, Simulator } from './kit.ts';

export interface KillBillSimOptions {
  username: string;
  password: string;
  apiKey: string;
  apiSecret: string;
  /** Subscriptions the tenant has; any other answers 404 as Kill Bill's SUB_INVALID_SUBSCRIPTION_ID. */
  subscriptions: string[];
  now: () => Date;
  /** Usage per subscription, unit type and day ("2026-11-23"), as amounts. */
  usage?: Record<string, Record<string, Record<string, number | string>>>;
  /** Last active day per subscription: later usage is refused with Kill Bill's empty 400. */
  endDates?: Record<string, string>;
  /** Response dialect: 0.24 (decimal amounts, date-time dates) or 0.22 (int64 amounts, dates). */
  version?: '0.24' | '0.22';
}

/** One usage record as Kill Bill stores it (a row of rolled_up_usage). */
export interface StoredUsage {
  subscriptionId: string;
  unitType: string;
  date: string;
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
// UsageResource's path pattern for subscription IDs.
const USAGE_PATH = /^\/1\.0\/kb\/usages\/(\w+-\w+-\w+-\w+-\w+)(?:\/([^/]+))?$/;
const DATE_PREFIX = /^\d{4}-\d{2}-\d{2}/;

/** The body Kill Bill's exception mappers send (BillingExceptionJson, without stack trace). */
export function billingException(className: string, code: number | null, message: string) {
  return { className, code, message, causeClassName: null, causeMessage: null, stackTrace: [] };
}

const illegalArgument = (message: string) =>
  json(400, billingException('java.lang.IllegalArgumentException', null, message));

export class KillBillSimulator extends Simulator {
  readonly options: Required<KillBillSimOptions>;
  /** Records taken by POST /1.0/kb/usages, in arrival order. */
  readonly recorded: StoredUsage[] = [];

  constructor(options: KillBillSimOptions) {
    super('killbill', (request) => this.answer(request));
    this.options = { usage: {}, endDates: {}, version: '0.24', ...options };
  }

  private answer(request: SimRequest): SimReply {
    if (!this.authenticated(request)) {
      return { status: 401, headers: { 'WWW-Authenticate': 'BASIC realm="application"' } };
    }
    if (request.path === '/1.0/kb/usages') {
      return request.method === 'POST' ? this.record(request) : { status: 405 };
    }
    const match = USAGE_PATH.exec(request.path);
    if (!match) return { status: 404 };
    if (request.method !== 'GET') return { status: 405 };
    return this.rolledUp(
      request,
      match[1]!,
      match[2] === undefined ? undefined : decodeURIComponent(match[2]),
    );
  }

  /** Shiro checks the user's basic credentials, then the tenant filter the API key and secret. */
  private authenticated(request: SimRequest): boolean {
    const { username, password, apiKey, apiSecret } = this.options;
    const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    return (
      request.headers.authorization === expected &&
      request.headers['x-killbill-apikey'] === apiKey &&
      request.headers['x-killbill-apisecret'] === apiSecret
    );
  }

  private rolledUp(request: SimRequest, subscriptionId: string, unitType: string | undefined): SimReply {
    const startDate = request.query.get('startDate');
    const endDate = request.query.get('endDate');
    // UsageResource: "Missing start date or end date" is a bare 400.
    if (startDate === null || endDate === null) return { status: 400 };
    if (!DATE_PREFIX.test(startDate) || !DATE_PREFIX.test(endDate))
      return illegalArgument(`Invalid format: "${DATE_PREFIX.test(startDate) ? endDate : startDate}"`);
    if (!this.options.subscriptions.includes(subscriptionId)) return this.unknownSubscription(subscriptionId);
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
    if (!this.options.subscriptions.includes(subscriptionId)) return this.unknownSubscription(subscriptionId);
    const rows = body.unitUsageRecords.flatMap((unit) =>
      unit.usageRecords!.map((usage) => ({
        subscriptionId,
        unitType: unit.unitType!,
        date: usage.recordDate!.slice(0, 10),
        amount: String(usage.amount),
        createdBy,
      })),
    );
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
