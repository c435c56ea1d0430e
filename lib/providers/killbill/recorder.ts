/**
 * Records usage in Kill Bill (POST /1.0/kb/usages), idempotently: every record carries a trackingId,
 * Kill Bill refuses a second record with the same trackingId for a subscription, and that refusal is
 * reported as `duplicate`, not as an error.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Endpoint, HttpReply, ProviderHttp } from '../../http/index.ts';
import { decimal, isDecimalText } from '../../money/index.ts';
import type { ConnectContext } from '../types.ts';
import { type KillBillAccount, killbillHttp, subscriptionId, unknownSubscription } from './client.ts';
import { BillingException, type SubscriptionUsageRecord, TRACKING_ID_ALREADY_EXISTS } from './schemas.ts';

interface UsageRecord {
  subscriptionId: string;
  /** Makes retries safe; build it with `usageTrackingId` from what identifies the usage. */
  trackingId: string;
  unitType: string;
  /** The local day the usage belongs to, "2026-11-23". */
  date: string;
  /** Quantity as decimal text, e.g. "12.5". */
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
  const http = killbillHttp(account, context);
  return { recordUsage: (record, audit) => recordUsage(http, account, record, audit) };
}

async function recordUsage(
  http: ProviderHttp,
  account: KillBillAccount,
  record: UsageRecord,
  audit: UsageAudit = {},
): Promise<RecordUsageResult> {
  const parsed = RecordUsageInput.safeParse({ record, audit });
  if (!parsed.success)
    throw new RangeError(`killbill account "${account.id}": ${z.prettifyError(parsed.error)}`);
  const { trackingId } = record;
  const body: SubscriptionUsageRecord = {
    subscriptionId: record.subscriptionId,
    trackingId,
    // A bare date is read by both 0.22 (`format: date`) and 0.24 (`format: date-time`) servers.
    unitUsageRecords: [
      {
        unitType: record.unitType,
        usageRecords: [{ recordDate: record.date, amount: Number(record.amount) }],
      },
    ],
  };
  const endpoint: Endpoint = {
    method: 'POST',
    path: '/1.0/kb/usages',
    label: 'POST /1.0/kb/usages',
    json: body,
    headers: {
      'X-Killbill-CreatedBy': account.createdBy,
      ...(audit.reason && { 'X-Killbill-Reason': audit.reason }),
      ...(audit.comment && { 'X-Killbill-Comment': audit.comment }),
    },
  };
  // ProviderHttp retries this POST on 429, 5xx and network errors. That is safe only because of the
  // trackingId: if an earlier attempt was stored but its reply lost, the retry is refused as a
  // duplicate below instead of recording the usage twice.
  const reply = await http.send(endpoint);
  if (reply.status === 400) {
    if (isDuplicateTrackingId(reply, trackingId)) return { status: 'duplicate', trackingId };
    throw http.error(endpoint, 'http', `Kill Bill refused the usage record: ${refusal(reply)}`, reply.status);
  }
  if (reply.status === 404) throw unknownSubscription(http, endpoint, record.subscriptionId, reply.status);
  // Throws for anything but a 2xx (201 Created, or 200 as the Swagger says); 401/403 as auth errors.
  http.expectOk(endpoint, reply);
  return { status: 'recorded', trackingId };
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
  if (error.success) return error.data.message ?? error.data.className;
  if (reply.body === '' || reply.body === undefined)
    return 'no reason given, which Kill Bill does when the subscription is not active on the record date';
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
