/**
 * Records usage in Kill Bill (POST /1.0/kb/usages), idempotently: every record carries a trackingId,
 * Kill Bill refuses a second record with the same trackingId for a subscription, and that refusal is
 * reported as `duplicate`, not as an error.
 *
 * A record is shaped for the server's contract (`serverVersion`, or what GET /1.0/kb/nodesInfo says):
 * 0.22 takes the day itself and a whole number; 0.24 takes an instant, which Kill Bill files on its day
 * in the Kill Bill account's time zone, so the recorder asks each subscription's account for its zone
 * (once per subscription and per account for the recorder's life) and sends noon of the day there.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import {
  type Endpoint,
  errorBodySummary,
  fixedEndpoint,
  type HttpReply,
  ProviderError,
  type ProviderHttp,
  providerSaid,
} from '../../http/index.ts';
import type { Logger } from '../../log/index.ts';
import { decimal, isDecimalText } from '../../money/index.ts';
import { fromLocal, isTimeZone } from '../../time/zoned.ts';
import type { ConnectContext } from '../types.ts';
import {
  type KillBillAccount,
  type KillBillVersion,
  killbillHttp,
  subscriptionId,
  unknownSubscription,
} from './client.ts';
import {
  AccountTimeZone,
  BillingException,
  NodesInfo,
  SubscriptionAccount,
  type SubscriptionUsageRecord,
  TRACKING_ID_ALREADY_EXISTS,
} from './schemas.ts';

interface UsageRecord {
  subscriptionId: string;
  /** Makes retries safe; build it with `usageTrackingId` from what identifies the usage. */
  trackingId: string;
  unitType: string;
  /** The day the usage belongs to in the Kill Bill account's time zone, "2026-11-23". */
  date: string;
  /** Quantity as decimal text, e.g. "12.5"; a whole number for Kill Bill 0.22. */
  amount: string;
}

/** Optional audit headers (X-Killbill-Reason / X-Killbill-Comment). */
interface UsageAudit {
  reason?: string;
  comment?: string;
}

export interface RecordUsageResult {
  /** `duplicate`: Kill Bill already holds a record with this trackingId (an earlier run or attempt). */
  status: 'recorded' | 'duplicate';
  trackingId: string;
}

export interface UsageRecorder {
  /** The contract records are shaped for: the account's `serverVersion`, or (auto) what nodesInfo says. */
  serverVersion(): Promise<KillBillVersion>;
  recordUsage(record: UsageRecord, audit?: UsageAudit): Promise<RecordUsageResult>;
}

const TRACKING_ID_PREFIX = 'spendwatch-';
// Kill Bill stores trackingId in a varchar(128); 40 hex digits (160 bits) keep collisions out of reach.
const DIGEST_HEX_DIGITS = 40;

/**
 * A deterministic trackingId for the usage named by `parts` (e.g. account, subscription, unit type,
 * day): the same parts always give the same ID, so a retried or replayed record is refused as a
 * duplicate instead of counted twice (Kill Bill checks trackingIds per subscription). Only [a-z0-9-],
 * 51 characters.
 */
export function usageTrackingId(parts: readonly string[]): string {
  if (parts.length === 0) throw new RangeError('usageTrackingId needs at least one part');
  // JSON keeps the parts apart: ["a-b", "c"] and ["a", "b-c"] must not collide.
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  return `${TRACKING_ID_PREFIX}${digest.slice(0, DIGEST_HEX_DIGITS)}`;
}

// The body carries the amount as a JSON number (the contract's type); refuse one that a double
// cannot carry exactly rather than record a rounded quantity.
const exactAsJsonNumber = (text: string) => {
  const number = Number(text);
  return Number.isFinite(number) && decimal(number).eq(decimal(text));
};

// Audit values travel as HTTP header values, which carry printable ASCII only.
const headerText = z
  .string()
  .regex(/^[\x20-\x7e]*$/, { error: 'expected printable ASCII (it is sent as an HTTP header)' });

const RecordUsageInput = z.object({
  record: z.object({
    subscriptionId,
    trackingId: z.string().min(1).max(128),
    unitType: z.string().min(1),
    date: z.iso.date({ error: 'expected a date such as "2026-11-23"' }),
    amount: z
      .string()
      .refine(isDecimalText, { error: 'expected a decimal amount such as "12.5"', abort: true })
      .refine(exactAsJsonNumber, {
        error: 'has more significant digits, or is larger, than a JSON number carries exactly',
      }),
  }),
  audit: z.object({ reason: headerText.optional(), comment: headerText.optional() }),
});

export function killbillUsageRecorder(account: KillBillAccount, context: ConnectContext): UsageRecorder {
  const log = context.logger.child({ provider: 'killbill', account: account.id });
  return new KillBillUsageRecorder(account, killbillHttp(account, context), log);
}

const NODES_INFO = fixedEndpoint('GET', '/1.0/kb/nodesInfo');
// Noon, not midnight: Kill Bill files an instant on its day at the account zone's offset fixed at the
// account's reference time, which can be an hour off the offset of the day (DST); noon stays on the day.
const NOON = 12;

class KillBillUsageRecorder implements UsageRecorder {
  private version: Promise<KillBillVersion> | undefined;
  private readonly subscriptionZones = new Map<string, Promise<string>>();
  private readonly accountZones = new Map<string, Promise<string>>();

  constructor(
    private readonly account: KillBillAccount,
    private readonly http: ProviderHttp,
    private readonly log: Logger,
  ) {}

  serverVersion(): Promise<KillBillVersion> {
    const { serverVersion } = this.account;
    if (serverVersion !== 'auto') return Promise.resolve(serverVersion);
    if (!this.version) {
      const asked = this.versionFromNodesInfo();
      this.version = asked;
      // Kill Bill out of reach said nothing of its version: the next record asks again.
      asked.catch(() => {
        if (this.version === asked) this.version = undefined;
      });
    }
    return this.version;
  }

  async recordUsage(record: UsageRecord, audit: UsageAudit = {}): Promise<RecordUsageResult> {
    const parsed = RecordUsageInput.safeParse({ record, audit });
    if (!parsed.success) throw this.refusal(z.prettifyError(parsed.error));
    const version = await this.serverVersion();
    if (version === '0.22' && !decimal(record.amount).mod(1).eq(0)) {
      throw this.refusal(
        `Kill Bill 0.22 keeps usage amounts as whole numbers and would record ${record.amount} as ${Math.trunc(Number(record.amount))}; record whole units, or set serverVersion: '0.24' on the account if the server is 0.24 or later (serverVersion is ${this.account.serverVersion})`,
      );
    }
    const { trackingId } = record;
    const body: SubscriptionUsageRecord = {
      subscriptionId: record.subscriptionId,
      trackingId,
      unitUsageRecords: [
        {
          unitType: record.unitType,
          usageRecords: [
            { recordDate: await this.recordDate(record, version), amount: Number(record.amount) },
          ],
        },
      ],
    };
    const endpoint: Endpoint = {
      method: 'POST',
      path: '/1.0/kb/usages',
      label: 'POST /1.0/kb/usages',
      json: body,
      headers: {
        'X-Killbill-CreatedBy': this.account.createdBy,
        ...(audit.reason && { 'X-Killbill-Reason': audit.reason }),
        ...(audit.comment && { 'X-Killbill-Comment': audit.comment }),
      },
    };
    // ProviderHttp retries this POST on 429, 5xx and network errors. That is safe only because of the
    // trackingId: if an earlier attempt was stored but its reply lost, the retry is refused as a
    // duplicate below instead of recording the usage twice.
    const reply = await this.http.send(endpoint);
    if (reply.status === 400) {
      if (isDuplicateTrackingId(reply, trackingId)) return { status: 'duplicate', trackingId };
      throw this.http.error(
        endpoint,
        'http',
        `Kill Bill refused the usage record: ${refusal(reply)}`,
        reply.status,
      );
    }
    if (reply.status === 404)
      throw unknownSubscription(this.http, endpoint, record.subscriptionId, reply.status);
    // Throws for anything but a 2xx (201 Created, or 200 as the Swagger says); 401/403 as auth errors.
    this.http.expectOk(endpoint, reply);
    return { status: 'recorded', trackingId };
  }

  private refusal(reason: string): RangeError {
    return new RangeError(`killbill account "${this.account.id}": ${reason}`);
  }

  /**
   * 0.22 reads a day (`format: date`), which Kill Bill takes as the account's day. 0.24 reads an
   * instant (`format: date-time`; a bare date is midnight UTC, the day before west of UTC): noon of
   * the day in the account's time zone.
   */
  private async recordDate(record: UsageRecord, version: KillBillVersion): Promise<string> {
    if (version === '0.22') return record.date;
    const [year, month, day] = record.date.split('-').map(Number) as [number, number, number];
    const timeZone = await this.timeZoneOf(record.subscriptionId);
    return fromLocal({ year, month, day, hour: NOON }, timeZone).toISOString();
  }

  private timeZoneOf(subscription: string): Promise<string> {
    return once(this.subscriptionZones, subscription, async () => {
      const endpoint: Endpoint = {
        method: 'GET',
        path: `/1.0/kb/subscriptions/${encodeURIComponent(subscription)}`,
        label: 'GET /1.0/kb/subscriptions/{subscriptionId}',
      };
      const reply = await this.http.send(endpoint);
      if (reply.status === 404) throw unknownSubscription(this.http, endpoint, subscription, reply.status);
      const { accountId } = this.http.okBody(endpoint, reply, SubscriptionAccount);
      return this.accountTimeZone(accountId);
    });
  }

  private accountTimeZone(accountId: string): Promise<string> {
    return once(this.accountZones, accountId, async () => {
      const endpoint: Endpoint = {
        method: 'GET',
        path: `/1.0/kb/accounts/${encodeURIComponent(accountId)}`,
        label: 'GET /1.0/kb/accounts/{accountId}',
      };
      const { timeZone } = await this.http.json(endpoint, AccountTimeZone);
      if (timeZone && isTimeZone(timeZone)) return timeZone;
      this.log.warn(
        'Kill Bill account has no valid time zone; its usage is recorded at noon UTC, which lands on the day only for accounts from UTC-12 to UTC+11',
        { accountId, timeZone: timeZone ?? undefined },
      );
      return 'UTC';
    });
  }

  /** Any 0.x before 0.24 keeps the 0.22 contract; a server that will not say is taken for 0.24. */
  private async versionFromNodesInfo(): Promise<KillBillVersion> {
    const reply = await this.http.send(NODES_INFO);
    const nodes = reply.status >= 200 && reply.status < 300 ? NodesInfo.safeParse(reply.body) : undefined;
    const kbVersion = nodes?.success ? nodes.data[0]?.kbVersion : undefined;
    const release = /^(\d+)\.(\d+)\b/.exec(kbVersion ?? '');
    if (release) {
      const version = release[1] === '0' && Number(release[2]) < 24 ? '0.22' : '0.24';
      this.log.info('Kill Bill version from nodesInfo', { kbVersion, recordsFor: version });
      return version;
    }
    const answer = !nodes
      ? `answered ${reply.status}`
      : kbVersion
        ? `said kbVersion "${kbVersion}"`
        : 'named no kbVersion';
    this.log.warn(
      `Kill Bill did not say its version (${NODES_INFO.label} ${answer}); usage is recorded for 0.24 and later: set serverVersion: '0.22' on the account if the server is older`,
      { status: reply.status },
    );
    return '0.24';
  }
}

/**
 * `load()` once per key for the cache's life. A failure is forgotten, so the next call asks again,
 * unless it is Kill Bill saying the thing does not exist.
 */
function once<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = load();
    cache.set(key, value);
    value.catch((error: unknown) => {
      if (!(error instanceof ProviderError && error.kind === 'not-found')) cache.delete(key);
    });
  }
  return value;
}

/**
 * Kill Bill answers 400 both to a repeated trackingId and to a record it will not take, so the body
 * decides. A duplicate is a BillingException with code 50000 (USAGE_RECORD_TRACKING_ID_ALREADY_EXISTS)
 * whose message names our trackingId. Anything else is an error: an empty 400 (the subscription is not
 * active on the record date), or an IllegalArgumentException (invalid body, missing CreatedBy header).
 */
function isDuplicateTrackingId(reply: HttpReply, trackingId: string): boolean {
  const error = BillingException.safeParse(reply.body);
  return (
    error.success &&
    error.data.code === TRACKING_ID_ALREADY_EXISTS &&
    (error.data.message ?? '').includes(trackingId)
  );
}

function refusal(reply: HttpReply): string {
  const error = BillingException.safeParse(reply.body);
  if (error.success) return providerSaid(error.data.message ?? error.data.className);
  if (reply.body === '' || reply.body === undefined)
    return 'no reason given, which Kill Bill does when the subscription is not active on the record date';
  return errorBodySummary(reply.body);
}
