/**
 * Chargeback to Kill Bill from the Soracom billing CSV: each SIM's cost per bill item per day, recorded
 * as usage (POST /1.0/kb/usages) of the Kill Bill subscription that one of the SIM's tags names.
 *
 * - Settled days only. Kill Bill takes a trackingId once, so a day recorded while its usage is still
 *   arriving would keep its early figure for good: a day is recorded from an export made `settleHours`
 *   after the day ended, or from any export of a closed month (its bill is final).
 * - Idempotent. The trackingId is derived from the operator, the device, the day and the bill item, so
 *   a replayed export or a retried run is refused by Kill Bill as a duplicate, never counted twice.
 * - Bounded. A watermark per account and month (in the state store) says through which day everything
 *   is recorded, and how far into the next day (devices in id order). Each ingest asks the parser for
 *   the next few days only (memory grows with devices × items × days), records them day by day, device
 *   by device, and moves the watermark as far as everything before it is done; later exports catch up,
 *   and a day too large for one invocation is finished by the next ones rather than started over.
 * - Whole units for Kill Bill 0.22, which drops fractions (whole-units.ts): there a day records the
 *   running total of the month rounded half-even, less the same through the day before, so the parser
 *   also sums each device's earlier days of the month (itemDays.carryFrom).
 * - A transient failure (Kill Bill unreachable or failing after the client's retries) stops the run and
 *   leaves the rest for the next one; a permanent refusal (an unknown subscription, a tag that is no
 *   subscription id, a record Kill Bill refuses) is logged, counted and holds nothing back.
 */
import * as z from 'zod';
import { forEachLimit } from '../concurrency/map-limit.ts';
import type { AccountOf, Config } from '../config/config.ts';
import { ProviderError } from '../http/index.ts';
import type { Logger } from '../log/index.ts';
import { decimal } from '../money/index.ts';
import { subscriptionId } from '../providers/killbill/client.ts';
import { killbillUsageRecorder, type UsageRecorder, usageTrackingId } from '../providers/killbill/index.ts';
import { providerAccount } from '../providers/registry.ts';
import type { ChargebackConfig } from '../providers/soracom/account.ts';
import type { ExportKeyParts } from '../providers/soracom/billing-csv/keys.ts';
import type {
  SoracomCsvSubscriber,
  SoracomCsvSummary,
} from '../providers/soracom/billing-csv/parser/index.ts';
import type { ConnectContext } from '../providers/types.ts';
import type { SecretResolver } from '../secrets/index.ts';
import type { ObjectStore } from '../state/store.ts';
import type { Clock } from '../time/clock.ts';
import { daysInMonth, localDayBounds, pad } from '../time/zoned.ts';
import { recordedBefore, wholeUnitsOfDay } from './whole-units.ts';

/** Days asked of the parser per ingest: each one costs memory for every device × item; later runs catch up. */
const MAX_DAYS_PER_RUN = 3;
/** Kept free at the end of an invocation for the watermark, the last records in flight and the logs. */
const RESERVE_MS = 60_000;
/** Refused records logged one by one per run; the rest are counted. */
const MAX_REFUSALS_LOGGED = 20;
const HOUR_MS = 3_600_000;

const WATERMARKS_PREFIX = 'chargeback/';

interface ChargebackCounts {
  /** Usage records Kill Bill took. */
  recorded: number;
  /** Already there (an earlier run or attempt): refused by trackingId, as they should be. */
  duplicate: number;
  /** Amounts of zero or less (free tiers, discounts), or on Kill Bill 0.22 no whole unit yet: nothing to bill. */
  skipped: number;
  /** Records of devices without the subscription tag. */
  unmapped: number;
  /** Refused for good (unknown subscription, a tag value that is no subscription id, a refused record). */
  failed: number;
  /** Failed for now (Kill Bill unreachable or failing): the next run records them again. */
  retry: number;
}

/**
 * How far a month's chargeback is: every day through `recordedThrough`, and of the day after it
 * (`partial.day`), the devices through `partial.throughDevice` in id order.
 */
export interface ChargebackProgress {
  recordedThrough?: string;
  partial?: { day: string; throughDevice: string };
}

export interface ChargebackOutcome {
  account: string;
  killbill: string;
  /** yyyyMM */
  month: string;
  /** The days this run set out to record ("2026-11-18", ...), oldest first. */
  days: string[];
  /** The watermark after the run. */
  progress: ChargebackProgress;
  counts: ChargebackCounts;
  /** Records left for the next run: a transient failure, or the invocation's time ran out. */
  incomplete: boolean;
}

/** What to record from one export: the days to ask the parser for, and how to record them. */
export interface ChargebackPlan {
  /** The days to record, and (for Kill Bill 0.22) the month's first day to chargeback, whose running total they need. */
  itemDays: { from: number; to: number; carryFrom?: number };
  /** Records the planned days from the export's summary (parsed with `itemDays`). */
  record(summary: SoracomCsvSummary): Promise<ChargebackOutcome>;
}

export interface ChargebackDependencies {
  /** The state store: the watermarks live under chargeback/. */
  store: ObjectStore;
  secrets: SecretResolver;
  clock: Clock;
  logger: Logger;
  http?: ConnectContext['http'];
  /** Milliseconds this invocation has left (Lambda's getRemainingTimeInMillis); no limit without it. */
  remainingMs?: () => number;
}

/**
 * The chargeback due from an export, or undefined when its account has none configured or no day of
 * the export's month is both settled and not yet recorded.
 */
export async function planChargeback(
  deps: ChargebackDependencies,
  config: Config,
  key: string,
  parts: ExportKeyParts,
): Promise<ChargebackPlan | undefined> {
  const account = config.accounts.find(
    (a): a is AccountOf<'soracom'> => a.id === parts.accountId && a.provider === 'soracom',
  );
  const settings = account?.settings.chargeback;
  if (!account || !settings) return undefined;
  const watermarks = new ChargebackWatermarks(deps.store);
  const progress = await watermarks.read(account.id, parts.month);
  const days = daysToRecord({
    month: parts.month,
    exportedAt: parts.exportedAt,
    timeZone: account.timeZone,
    settleHours: settings.settleHours,
    recordedThrough: progress.recordedThrough,
    startDate: settings.startDate,
    maxDays: MAX_DAYS_PER_RUN,
  });
  const log = deps.logger.child({ account: account.id, month: parts.month });
  if (!days) {
    log.info('chargeback: no settled day left to record from this export', {
      ...progress,
      exportedAt: parts.exportedAt.toISOString(),
      settleHours: settings.settleHours,
    });
    return undefined;
  }
  // Any failure to connect surfaces when the run records, after the export is summarised.
  const recorder = connectRecorder(deps, config, account, settings, log);
  // On Kill Bill 0.22 a day's whole units need the month's earlier days too (whole-units.ts), which
  // the parser then sums. If Kill Bill cannot say its version now, ask for them all the same: the
  // records find out (or fail and are retried).
  const wholeUnits = await recorder
    .then((connected) => connected.serverVersion())
    .then(
      (version) => version === '0.22',
      () => true,
    );
  const { startDate } = settings;
  const firstDay = startDate?.replaceAll('-', '').startsWith(parts.month)
    ? Number(startDate.slice(8, 10))
    : 1;
  const itemDays = wholeUnits ? { ...days, carryFrom: firstDay } : days;
  const run = { deps, account, settings, parts, key, watermarks, log, itemDays, progress, recorder };
  return { itemDays, record: (summary) => new ChargebackRun(run).record(summary) };
}

/** The recorder of the Kill Bill account the chargeback names. */
async function connectRecorder(
  deps: ChargebackDependencies,
  config: Config,
  account: AccountOf<'soracom'>,
  settings: ChargebackConfig,
  log: Logger,
): Promise<UsageRecorder> {
  const killbill = config.accounts.find((a) => a.id === settings.killbill);
  // The config loader checks this; a config built another way could still miss it.
  if (killbill?.provider !== 'killbill')
    throw new Error(`chargeback of account "${account.id}": no killbill account "${settings.killbill}"`);
  const credentials = await deps.secrets.resolveAll(killbill.credentials);
  const remaining = deps.remainingMs?.();
  const http = deps.http ?? {};
  return killbillUsageRecorder(providerAccount(killbill), {
    clock: deps.clock,
    logger: log.child({ killbill: killbill.id }),
    credentials,
    // Retries may use the invocation's time, not just the 90 s a check gives one account.
    http:
      remaining === undefined
        ? http
        : { ...http, retry: { ...http.retry, budgetMs: Math.max(0, remaining - RESERVE_MS) } },
  });
}

/**
 * The next days of an export's month to record, at most `maxDays`: from the day after the watermark
 * (or `startDate`) through the last settled one. Pure.
 */
export function daysToRecord(input: {
  /** yyyyMM */
  month: string;
  exportedAt: Date;
  timeZone: string;
  settleHours: number;
  /** The watermark: "2026-11-20", a day of `month`. */
  recordedThrough?: string;
  startDate?: string;
  maxDays: number;
}): { from: number; to: number } | undefined {
  const year = Number(input.month.slice(0, 4));
  const month = Number(input.month.slice(4, 6));
  const date = (day: number) => `${year}-${pad(month)}-${pad(day)}`;
  const lastDay = daysInMonth(year, month);
  let from = input.recordedThrough ? Number(input.recordedThrough.slice(8, 10)) + 1 : 1;
  if (input.startDate && input.startDate > date(lastDay)) return undefined;
  if (input.startDate && input.startDate > date(from)) from = Number(input.startDate.slice(8, 10));
  // Made after the month ended, an export is of the closed month (the export job asks for it only
  // once Soracom has closed it): every day of it is final.
  const closed = input.exportedAt >= localDayBounds(date(lastDay), input.timeZone).end;
  const settledBy = input.exportedAt.getTime() - input.settleHours * HOUR_MS;
  let to = from - 1;
  while (to < lastDay && to - from + 1 < input.maxDays) {
    if (!closed && localDayBounds(date(to + 1), input.timeZone).end.getTime() > settledBy) break;
    to++;
  }
  return to >= from ? { from, to } : undefined;
}

/** The deterministic trackingId of one device's usage of one bill item on one day. */
export function chargebackTrackingId(
  operatorId: string,
  device: Pick<SoracomCsvSubscriber, 'kind' | 'id'>,
  date: string,
  item: string,
): string {
  // The device's kind keeps an IMSI and another kind of device id with the same digits apart.
  return usageTrackingId(['soracom', operatorId, device.kind, device.id, date, item]);
}

const Watermark = z.object({
  recordedThrough: z.iso.date().optional(),
  partial: z.object({ day: z.iso.date(), throughDevice: z.string().min(1) }).optional(),
  sourceKey: z.string(),
});

/** Whether `a` is further than `b`: by day, then (within a day begun) by device; a whole day is furthest. */
function isAhead(a: ChargebackProgress, b: ChargebackProgress): boolean {
  const position = (p: ChargebackProgress) =>
    p.partial ? [p.partial.day, p.partial.throughDevice] : [p.recordedThrough ?? '', undefined];
  const [dayA, deviceA] = position(a);
  const [dayB, deviceB] = position(b);
  if (dayA !== dayB) return dayA! > dayB!;
  return deviceB !== undefined && (deviceA === undefined || deviceA > deviceB);
}

/** Per account and month: how far chargeback is recorded. Only ever moves forward. */
export class ChargebackWatermarks {
  constructor(private readonly store: ObjectStore) {}

  async read(accountId: string, month: string): Promise<ChargebackProgress> {
    const object = await this.store.get(this.key(accountId, month));
    return object ? this.parse(accountId, month, object.body) : {};
  }

  /** Moves the watermark to `progress` unless another run already moved it as far (compare-and-swap). */
  async advance(
    accountId: string,
    month: string,
    progress: ChargebackProgress,
    sourceKey: string,
  ): Promise<void> {
    const key = this.key(accountId, month);
    const body = JSON.stringify({ ...progress, sourceKey });
    // A lost race is retried against what the other run wrote; a few rounds settle it.
    for (let round = 0; round < 5; round++) {
      const current = await this.store.get(key);
      if (!current) {
        if (await this.store.createIfAbsent(key, body)) return;
        continue;
      }
      if (!isAhead(progress, this.parse(accountId, month, current.body))) return;
      if (await this.store.replaceIfVersion(key, body, current.version)) return;
    }
    throw new Error(
      `chargeback watermark ${key}: kept changing under this run; the next run records from it`,
    );
  }

  private key(accountId: string, month: string): string {
    return `${WATERMARKS_PREFIX}${accountId}/${month}.json`;
  }

  private parse(accountId: string, month: string, body: string): ChargebackProgress {
    const parsed = Watermark.safeParse(parseJson(body));
    const inMonth = (day: string | undefined) =>
      day === undefined || day.replaceAll('-', '').startsWith(month);
    if (parsed.success && inMonth(parsed.data.recordedThrough) && inMonth(parsed.data.partial?.day)) {
      const { recordedThrough, partial } = parsed.data;
      return { ...(recordedThrough && { recordedThrough }), ...(partial && { partial }) };
    }
    throw new Error(
      `chargeback watermark ${this.key(accountId, month)} is not {"recordedThrough": "<a day of ${month}>", "partial"?: {"day": ..., "throughDevice": ...}, "sourceKey": "..."}; delete it to record the month again from its first day (Kill Bill refuses what it already has)`,
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One device's amount of one bill item on one day. */
interface Usage {
  device: SoracomCsvSubscriber;
  date: string;
  item: string;
  amount: string;
}

/** Why a record failed for good, or undefined when a later run may succeed. */
function permanentReason(error: unknown): string | undefined {
  // Our own validation refused it before sending (e.g. an amount a JSON number cannot carry exactly).
  if (error instanceof RangeError) return error.message;
  if (!(error instanceof ProviderError)) return undefined;
  const refused =
    error.kind === 'not-found' ||
    (error.kind === 'http' && error.status !== undefined && error.status >= 400 && error.status < 500);
  return refused ? error.message : undefined;
}

/** What a planned run knows before the export is parsed. */
interface PlannedRun {
  deps: ChargebackDependencies;
  account: AccountOf<'soracom'>;
  settings: ChargebackConfig;
  parts: ExportKeyParts;
  /** The export's key, kept with the watermark for the record. */
  key: string;
  watermarks: ChargebackWatermarks;
  log: Logger;
  itemDays: ChargebackPlan['itemDays'];
  /** The watermark before the run. */
  progress: ChargebackProgress;
  recorder: Promise<UsageRecorder>;
}

class ChargebackRun {
  private readonly counts: ChargebackCounts = {
    recorded: 0,
    duplicate: 0,
    skipped: 0,
    unmapped: 0,
    failed: 0,
    retry: 0,
  };
  private refusalsLogged = 0;

  private readonly settings: ChargebackConfig;
  private readonly log: Logger;

  constructor(private readonly run: PlannedRun) {
    this.settings = run.settings;
    this.log = run.log;
  }

  async record(summary: SoracomCsvSummary): Promise<ChargebackOutcome> {
    const { settings, parts, account, watermarks, itemDays, deps } = this.run;
    const prefix = `${parts.month.slice(0, 4)}-${parts.month.slice(4, 6)}-`;
    const days = Array.from(
      { length: itemDays.to - itemDays.from + 1 },
      (_, i) => prefix + pad(itemDays.from + i),
    );
    if (!summary.tagColumns.includes(settings.subscriptionTag)) {
      this.log.warn('chargeback: the export has no subscription tag column; every device is unmapped', {
        subscriptionTag: settings.subscriptionTag,
        tagColumns: summary.tagColumns,
      });
    }
    const recorder = await this.run.recorder;
    const outOfTime = () => (deps.remainingMs?.() ?? Number.POSITIVE_INFINITY) < RESERVE_MS;
    let progress = this.run.progress;
    let incomplete = false;
    for (const date of days) {
      // Devices in id order, so that "through this device" means the same in every run.
      const begun = progress.partial?.day === date ? progress.partial.throughDevice : undefined;
      const devices = summary.subscribers
        .filter((device) => device.itemDays?.[date] && (begun === undefined || device.id > begun))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const done = new Uint8Array(devices.length);
      let through = 0; // devices[0..through) are all done
      let transient = false;
      await forEachLimit(
        devices.keys(),
        settings.concurrency,
        async (i) => {
          if (!(await this.recordDevice(recorder, devices[i]!, date))) {
            transient = true;
            return;
          }
          done[i] = 1;
          while (through < devices.length && done[through]) through++;
        },
        () => transient || outOfTime(),
      );
      if (through === devices.length) {
        progress = { recordedThrough: date };
      } else {
        incomplete = true;
        if (through > 0)
          progress = {
            ...(progress.recordedThrough && { recordedThrough: progress.recordedThrough }),
            partial: { day: date, throughDevice: devices[through - 1]!.id },
          };
      }
      if (progress !== this.run.progress)
        await watermarks.advance(account.id, parts.month, progress, this.run.key);
      if (incomplete) break;
    }
    const outcome: ChargebackOutcome = {
      account: account.id,
      killbill: settings.killbill,
      month: parts.month,
      days,
      progress,
      counts: { ...this.counts },
      incomplete,
    };
    const fields = {
      ...this.counts,
      days: `${days[0]}..${days.at(-1)}`,
      ...progress,
      killbill: settings.killbill,
      currency: summary.currency,
    };
    if (this.counts.retry > 0)
      this.log.error(
        'chargeback incomplete: Kill Bill failed; the next run goes on from the watermark',
        fields,
      );
    else if (incomplete)
      this.log.warn('chargeback incomplete: out of time; the next run goes on from the watermark', fields);
    else this.log.info('chargeback recorded', fields);
    if (this.refusalsLogged < this.counts.failed)
      this.log.warn('chargeback: more records refused than logged', {
        failed: this.counts.failed,
        logged: this.refusalsLogged,
      });
    return outcome;
  }

  /** Records a device's usage of one day, item by item; false on a transient failure (the rest waits). */
  private async recordDevice(
    recorder: UsageRecorder,
    device: SoracomCsvSubscriber,
    date: string,
  ): Promise<boolean> {
    for (const [item, amount] of Object.entries(device.itemDays?.[date] ?? {})) {
      if (!(await this.recordOne(recorder, { device, date, item, amount }))) return false;
    }
    return true;
  }

  /** Records one usage; false for a transient failure (a later run may succeed). */
  private async recordOne(recorder: UsageRecorder, usage: Usage): Promise<boolean> {
    const subscription = usage.device.tags[this.settings.subscriptionTag];
    if (subscription === undefined) {
      this.counts.unmapped++;
      return true;
    }
    if (decimal(usage.amount).lte(0)) {
      this.counts.skipped++;
      return true;
    }
    if (!subscriptionId.safeParse(subscription).success) {
      this.refused(
        usage,
        subscription,
        `its ${this.settings.subscriptionTag} value is not a Kill Bill subscription UUID`,
      );
      return true;
    }
    try {
      const amount =
        (await recorder.serverVersion()) === '0.22'
          ? wholeUnitsOfDay(recordedBefore(usage.device, usage.date, usage.item), usage.amount).toString()
          : usage.amount;
      // Less than a unit so far this month: nothing to record today, the amount carries to the next day.
      if (amount === '0') {
        this.counts.skipped++;
        return true;
      }
      const { status } = await recorder.recordUsage(
        {
          subscriptionId: subscription,
          trackingId: chargebackTrackingId(this.run.parts.operatorId, usage.device, usage.date, usage.item),
          unitType: this.settings.unitType,
          date: usage.date,
          amount,
        },
        { reason: 'spendwatch soracom chargeback' },
      );
      this.counts[status]++;
      return true;
    } catch (error) {
      const reason = permanentReason(error);
      if (reason !== undefined) {
        this.refused(usage, subscription, reason);
        return true;
      }
      this.counts.retry++;
      if (this.counts.retry === 1)
        this.log.warn('chargeback record failed; stopping this run, the next one records the day again', {
          device: usage.device.id,
          day: usage.date,
          ...(error instanceof ProviderError ? error.toLogFields() : { error: (error as Error).message }),
        });
      return false;
    }
  }

  private refused(usage: Usage, subscription: string, reason: string): void {
    this.counts.failed++;
    if (this.refusalsLogged >= MAX_REFUSALS_LOGGED) return;
    this.refusalsLogged++;
    this.log.warn('chargeback record refused; not recorded', {
      device: usage.device.id,
      tags: usage.device.tags,
      day: usage.date,
      item: usage.item,
      amount: usage.amount,
      subscription: subscription.length > 64 ? `${subscription.slice(0, 61)}...` : subscription,
      reason,
    });
  }
}
