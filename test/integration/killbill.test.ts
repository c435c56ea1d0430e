import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { billingException, KillBillSimulator } from '../../dev/simulators/killbill.ts';
import { mapLimit } from '../../lib/concurrency/map-limit.ts';
import { parseConfig } from '../../lib/config/load.ts';
import {
  killbill,
  killbillUsageRecorder,
  type RecordUsageResult,
  usageTrackingId,
} from '../../lib/providers/killbill/index.ts';
import type { PeriodSpend, SpendReading } from '../../lib/spend/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { accountForTest, connectForTest, contextForTest, providerErrorOf } from '../support/providers.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
const clock = fixedClock(NOW);
const SUB_A = '365987b2-5443-47e4-a467-c8962fc6995c';
const SUB_B = '9b1f4c52-6d0e-4f7a-8c3b-2e5d7a9f1c04';
const UNKNOWN_SUB = '00000000-1111-4222-8333-444444444444';
const credentials = {
  username: 'admin',
  password: 'pw-correct-horse-42',
  apiKey: 'tenant-key',
  apiSecret: 'apisecret-battery-staple-77',
};
const november = { period: monthlyPeriod(NOW, 'UTC'), needs: { usage: true } };

function spendOf(reading: SpendReading): PeriodSpend {
  if (reading.status !== 'ok') throw new Error(`expected a spend, got ${JSON.stringify(reading)}`);
  return reading.spend;
}

/** Lines as "subscription unitType quantity" for readable assertions. */
const quantities = (spend: PeriodSpend) =>
  spend.lines.map((line) => `${line.ResourceId} ${line.ConsumedUnit} ${line.ConsumedQuantity?.toString()}`);

describe('Kill Bill usage against the loopback simulator', () => {
  let sim: KillBillSimulator;

  beforeEach(async () => {
    sim = new KillBillSimulator({
      ...credentials,
      subscriptions: [SUB_A, SUB_B],
      now: () => NOW,
      usage: {
        [SUB_A]: {
          'api-calls': { '2026-10-31': 999, '2026-11-01': '1000.125', '2026-11-15': '0.1', '2026-11-30': 7 },
          'storage-gb': { '2026-11-02': '12.000000000001' },
        },
        [SUB_B]: { 'api-calls': { '2026-11-23': 3 } },
      },
    });
    await sim.start();
  });
  afterEach(() => sim.stop());

  const connect = (fields: Record<string, unknown> = {}, creds: Record<string, string> = credentials) =>
    connectForTest('killbill', { baseUrl: sim.url, subscriptions: [SUB_A, SUB_B], ...fields }, creds, clock);

  const recorder = (fields: Record<string, unknown> = {}) =>
    killbillUsageRecorder(
      accountForTest(killbill, { baseUrl: sim.url, subscriptions: [SUB_A], ...fields }, credentials),
      contextForTest(credentials, clock),
    );

  it('reads every unit type of each subscription as exact quantities over the period', async () => {
    const spend = spendOf(await connect().source.read(november));
    expect(quantities(spend)).toEqual([
      `${SUB_A} api-calls 1000.225`,
      `${SUB_A} storage-gb 12.000000000001`,
      `${SUB_B} api-calls 3`,
    ]);
    expect(spend.BilledCost).toBeUndefined();
    expect(spend.BillingCurrency).toBeUndefined();
    expect(spend.BillingPeriodStart.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(spend.BillingPeriodEnd.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(spend.asOf).toEqual(NOW);
    expect(spend.sources).toEqual(['GET /1.0/kb/usages/{subscriptionId}']);
    const calls = sim.calls(/^\/1\.0\/kb\/usages\//);
    expect(calls.map((c) => c.path)).toEqual([`/1.0/kb/usages/${SUB_A}`, `/1.0/kb/usages/${SUB_B}`]);
    // endDate is exclusive: the next period's first day closes the range.
    expect(Object.fromEntries(calls[0]!.query)).toEqual({ startDate: '2026-11-01', endDate: '2026-12-01' });
  });

  it('sends the local dates of the account time zone', async () => {
    const { source } = connect({ timeZone: 'Asia/Tokyo' });
    await source.read({ period: monthlyPeriod(new Date('2026-11-30T16:00:00Z'), 'Asia/Tokyo'), needs: {} });
    // 2026-12-01 01:00 in Tokyo: the December period, though it is still November in UTC.
    expect(Object.fromEntries(sim.calls(`/1.0/kb/usages/${SUB_A}`)[0]!.query)).toEqual({
      startDate: '2026-12-01',
      endDate: '2027-01-01',
    });
  });

  it('counts the start day and leaves out the end day (endDate exclusive)', async () => {
    const october = { period: monthlyPeriod(new Date('2026-10-10T00:00:00Z'), 'UTC'), needs: {} };
    const spend = spendOf(await connect({ subscriptions: [SUB_A] }).source.read(october));
    // 2026-10-31 (999) is in; 2026-11-01 (1000.125) belongs to November.
    expect(quantities(spend)).toEqual([`${SUB_A} api-calls 999`]);
  });

  it('reads named unit types one request each, reporting zero for a unit with no usage', async () => {
    const { source } = connect({ unitTypes: ['api-calls', 'sms'] });
    const spend = spendOf(await source.read(november));
    expect(quantities(spend)).toEqual([
      `${SUB_A} api-calls 1000.225`,
      `${SUB_A} sms 0`,
      `${SUB_B} api-calls 3`,
      `${SUB_B} sms 0`,
    ]);
    expect(spend.sources).toEqual(['GET /1.0/kb/usages/{subscriptionId}/{unitType}']);
    expect(sim.calls(/^\/1\.0\/kb\/usages\//).map((c) => c.path)).toEqual([
      `/1.0/kb/usages/${SUB_A}/api-calls`,
      `/1.0/kb/usages/${SUB_A}/sms`,
      `/1.0/kb/usages/${SUB_B}/api-calls`,
      `/1.0/kb/usages/${SUB_B}/sms`,
    ]);
  });

  it('fetches each subscription and unit type once per run, however many budgets read', async () => {
    const { source } = connect({ unitTypes: ['api-calls'] });
    await Promise.all([source.read(november), source.read(november)]);
    await source.read(november);
    expect(sim.calls(/^\/1\.0\/kb\/usages\//)).toHaveLength(2);
  });

  it('accepts the 0.22 contract: date-only dates and integer amounts', async () => {
    const legacy = new KillBillSimulator({
      ...credentials,
      subscriptions: [SUB_A],
      now: () => NOW,
      version: '0.22',
      usage: { [SUB_A]: { 'chocolate-videos': { '2026-11-03': 2, '2026-11-04': 40 } } },
    });
    await legacy.start();
    try {
      const { source } = connectForTest(
        'killbill',
        { baseUrl: legacy.url, subscriptions: [SUB_A] },
        credentials,
        clock,
      );
      expect(quantities(spendOf(await source.read(november)))).toEqual([`${SUB_A} chocolate-videos 42`]);
    } finally {
      await legacy.stop();
    }
  });

  it('waits out a 429 Retry-After, then succeeds', async () => {
    sim.inject(`/1.0/kb/usages/${SUB_A}`, { kind: 'status', status: 429, headers: { 'Retry-After': '1' } });
    const started = Date.now();
    spendOf(await connect().source.read(november));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(sim.calls(`/1.0/kb/usages/${SUB_A}`)).toHaveLength(2);
  });

  it('retries 5xx and resets, then succeeds', async () => {
    sim.inject(`/1.0/kb/usages/${SUB_A}`, { kind: 'status', status: 503 }, 2);
    sim.inject(`/1.0/kb/usages/${SUB_B}`, { kind: 'reset' });
    const spend = spendOf(await connect().source.read(november));
    expect(spend.lines).toHaveLength(3);
    expect(sim.calls(`/1.0/kb/usages/${SUB_A}`)).toHaveLength(3);
    expect(sim.calls(`/1.0/kb/usages/${SUB_B}`)).toHaveLength(2);
  });

  it('reports rejected credentials as an auth error without the password or API secret', async () => {
    for (const wrong of [
      { ...credentials, password: 'pw-wrong-horse-13' },
      { ...credentials, apiSecret: 'apisecret-wrong-99' },
    ]) {
      const error = await providerErrorOf(connect({}, wrong).source.read(november));
      expect(error.kind).toBe('auth');
      expect(error.status).toBe(401);
      expect(error.message).toContain('GET /1.0/kb/usages/{subscriptionId}');
      for (const secret of [wrong.password, wrong.apiSecret, credentials.password, credentials.apiSecret])
        expect(error.message).not.toContain(secret);
    }
  });

  it('names the field when the body breaks the contract', async () => {
    sim.inject(`/1.0/kb/usages/${SUB_B}`, {
      kind: 'raw',
      status: 200,
      text: JSON.stringify({
        subscriptionId: SUB_B,
        startDate: '2026-11-01T00:00:00.000Z',
        endDate: '2026-12-01T00:00:00.000Z',
        rolledUpUnits: [{ unitType: 'api-calls', amount: '3,5' }],
      }),
    });
    const error = await providerErrorOf(connect().source.read(november));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toMatch(/field "rolledUpUnits\.0\.amount".*expected number.*"3,5"/);
  });

  it('reads the units whatever the body says of its subscription and dates (absent, null or odd)', async () => {
    const units = [{ unitType: 'api-calls', amount: 3 }];
    const bodies = [
      { rolledUpUnits: units },
      { subscriptionId: null, startDate: null, endDate: null, rolledUpUnits: units },
      { subscriptionId: 42, startDate: 'last month', endDate: '', rolledUpUnits: units },
    ];
    for (const body of bodies) {
      sim.inject(`/1.0/kb/usages/${SUB_B}`, { kind: 'raw', status: 200, text: JSON.stringify(body) });
      const spend = spendOf(await connect({ subscriptions: [SUB_B] }).source.read(november));
      expect(quantities(spend), JSON.stringify(body)).toEqual([`${SUB_B} api-calls 3`]);
    }
  });

  it('fails the read on a unit without a unit type: its quantity would count for nothing', async () => {
    sim.inject(`/1.0/kb/usages/${SUB_B}`, {
      kind: 'raw',
      status: 200,
      text: JSON.stringify({ rolledUpUnits: [{ unitType: '', amount: 3 }] }),
    });
    const error = await providerErrorOf(connect({ subscriptions: [SUB_B] }).source.read(november));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toContain('rolledUpUnits.0.unitType');
  });

  it('fails the read, naming the subscription, when Kill Bill does not know it', async () => {
    const error = await providerErrorOf(
      connect({ subscriptions: [SUB_A, UNKNOWN_SUB] }).source.read(november),
    );
    expect(error.kind).toBe('not-found');
    expect(error.status).toBe(404);
    expect(error.message).toContain(UNKNOWN_SUB);
  });

  describe('recording usage', () => {
    const record = {
      subscriptionId: SUB_A,
      trackingId: usageTrackingId(['test', SUB_A, 'api-calls', '2026-11-23']),
      unitType: 'api-calls',
      date: '2026-11-23',
      amount: '17.25',
    };

    it('records once; the same trackingId again is a duplicate, not an error', async () => {
      const usage = recorder();
      expect(await usage.recordUsage(record)).toEqual({ status: 'recorded', trackingId: record.trackingId });
      expect(await usage.recordUsage(record)).toEqual({ status: 'duplicate', trackingId: record.trackingId });
      expect(sim.recorded).toEqual([
        {
          subscriptionId: SUB_A,
          unitType: 'api-calls',
          date: '2026-11-23',
          // Noon of the day in the Kill Bill account's time zone (UTC).
          recordDate: '2026-11-23T12:00:00.000Z',
          amount: '17.25',
          trackingId: record.trackingId,
          createdBy: 'spendwatch',
        },
      ]);
      const posts = sim.calls('/1.0/kb/usages', 'POST');
      expect(posts).toHaveLength(2);
      expect(posts[0]!.headers['x-killbill-createdby']).toBe('spendwatch');
      expect(posts[0]!.headers['x-killbill-reason']).toBeUndefined();
      // The recorded usage is what the next read reports.
      const spend = spendOf(await connect({ subscriptions: [SUB_A] }).source.read(november));
      expect(quantities(spend)).toContain(`${SUB_A} api-calls 1017.475`);
    });

    it('retries a POST after a 503: the trackingId keeps it to one record', async () => {
      sim.inject('/1.0/kb/usages', { kind: 'status', status: 503 }, 1, 'POST');
      expect((await recorder().recordUsage(record)).status).toBe('recorded');
      expect(sim.calls('/1.0/kb/usages', 'POST')).toHaveLength(2);
      expect(sim.recorded).toHaveLength(1);
    });

    it('sends the configured CreatedBy and the audit reason and comment', async () => {
      await recorder({ createdBy: 'metering-job' }).recordUsage(record, {
        reason: 'nightly export',
        comment: 'batch 7',
      });
      const [post] = sim.calls('/1.0/kb/usages', 'POST');
      expect(post!.headers['x-killbill-createdby']).toBe('metering-job');
      expect(post!.headers['x-killbill-reason']).toBe('nightly export');
      expect(post!.headers['x-killbill-comment']).toBe('batch 7');
      expect(sim.recorded[0]?.createdBy).toBe('metering-job');
    });

    it('reports a usage record Kill Bill refuses (subscription no longer active) as an error', async () => {
      sim.options.endDates[SUB_A] = '2026-11-20';
      const error = await providerErrorOf(recorder().recordUsage(record));
      expect(error.kind).toBe('http');
      expect(error.status).toBe(400);
      expect(error.message).toContain('POST /1.0/kb/usages');
      expect(error.message).toContain('not active on the record date');
      expect(sim.recorded).toHaveLength(0);
    });

    it('reports an invalid-record 400 as an error, with Kill Bill’s reason', async () => {
      sim.inject(
        '/1.0/kb/usages',
        {
          kind: 'status',
          status: 400,
          body: billingException(
            'java.lang.IllegalArgumentException',
            null,
            'UsageRecordJson amount needs to be set',
          ),
        },
        1,
        'POST',
      );
      const error = await providerErrorOf(recorder().recordUsage(record));
      expect(error.kind).toBe('http');
      expect(error.message).toContain('UsageRecordJson amount needs to be set');
    });

    it('does not take a duplicate of another trackingId for its own', async () => {
      const other = usageTrackingId(['someone else']);
      sim.inject(
        '/1.0/kb/usages',
        {
          kind: 'status',
          status: 400,
          body: billingException(
            'org.killbill.billing.usage.api.UsageApiException',
            50_000,
            `A usage record with tracking ID ${other} already exists`,
          ),
        },
        1,
        'POST',
      );
      await providerErrorOf(recorder().recordUsage(record));
    });

    it('reports an unknown subscription as not found', async () => {
      const error = await providerErrorOf(recorder().recordUsage({ ...record, subscriptionId: UNKNOWN_SUB }));
      expect(error.kind).toBe('not-found');
      expect(error.message).toContain(UNKNOWN_SUB);
    });

    it('reports rejected credentials as an auth error without the secrets', async () => {
      const usage = killbillUsageRecorder(
        accountForTest(killbill, { baseUrl: sim.url, subscriptions: [SUB_A] }, credentials),
        contextForTest({ ...credentials, apiSecret: 'apisecret-wrong-99' }, clock),
      );
      const error = await providerErrorOf(usage.recordUsage(record));
      expect(error.kind).toBe('auth');
      expect(error.message).not.toContain('apisecret-wrong-99');
      expect(error.message).not.toContain(credentials.password);
    });

    it('refuses a malformed record before sending anything', async () => {
      const usage = recorder();
      const refusal = (change: Record<string, string>, audit = {}) =>
        usage.recordUsage({ ...record, ...change }, audit).catch((e: unknown) => e as Error);
      const cases: [Promise<Error | RecordUsageResult>, RegExp][] = [
        [refusal({ date: '23/11/2026' }), /expected a date such as "2026-11-23"\s+→ at record\.date/],
        [refusal({ amount: '1,5' }), /expected a decimal amount such as "12.5"\s+→ at record\.amount/],
        // More digits than a JSON number carries: it would be recorded rounded.
        [
          refusal({ amount: '0.12345678901234567891' }),
          /than a JSON number carries exactly\s+→ at record\.amount/,
        ],
        [refusal({ amount: '1e400' }), /is larger, than a JSON number carries exactly/],
        [
          refusal({ subscriptionId: 'sub-1' }),
          /subscription UUID such as [0-9a-f-]+\s+→ at record\.subscriptionId/,
        ],
        [
          refusal({}, { comment: 'nächtlich' }),
          /printable ASCII \(it is sent as an HTTP header\)\s+→ at audit\.comment/,
        ],
      ];
      for (const [outcome, message] of cases) {
        const error = await outcome;
        expect(error).toBeInstanceOf(RangeError);
        expect((error as Error).message).toMatch(message);
      }
      expect(sim.calls('/1.0/kb/usages', 'POST')).toHaveLength(0);
    });
  });
});

describe('recording usage on the day it belongs to, for the server version it runs', () => {
  const HONOLULU = {
    accountId: '5d0c9e2a-7b41-4f3e-9a6d-2e8b1c4f7a90',
    sub: 'c3e1a7b5-0d2f-4c6e-8b9a-1f3d5e7a9c2b',
  };
  const KIRITIMATI = {
    accountId: 'a4b6c8d0-3e5f-4a7b-9c1d-5e7f9a1b3c5d',
    sub: 'f1e3d5c7-9b2a-4d6f-8e0c-7a9b1c3d5e7f',
  };
  /** A second subscription of the Honolulu account. */
  const HONOLULU_2 = '2b4d6f8a-0c1e-4a3b-9d5f-7e9a1b3c5d7f';
  let sim: KillBillSimulator;

  const start = async (version: '0.24' | '0.22' = '0.24') => {
    sim = new KillBillSimulator({
      ...credentials,
      subscriptions: [SUB_A],
      accounts: [
        {
          accountId: HONOLULU.accountId,
          timeZone: 'Pacific/Honolulu',
          subscriptions: [HONOLULU.sub, HONOLULU_2],
        },
        { accountId: KIRITIMATI.accountId, timeZone: 'Pacific/Kiritimati', subscriptions: [KIRITIMATI.sub] },
      ],
      now: () => NOW,
      version,
    });
    await sim.start();
  };
  afterEach(() => sim.stop());

  const recorderOn = (fields: Record<string, unknown> = {}) => {
    const context = contextForTest(credentials, clock);
    const usage = killbillUsageRecorder(
      accountForTest(killbill, { id: 'billing', baseUrl: sim.url, ...fields }, credentials),
      context,
    );
    return { usage, logger: context.logger };
  };
  const recordOn = (subscriptionId: string, date: string, amount = '1', unitType = 'sim-usage-jpy') => ({
    subscriptionId,
    trackingId: usageTrackingId(['test', subscriptionId, unitType, date, amount]),
    unitType,
    date,
    amount,
  });
  const warnings = (logger: ReturnType<typeof recorderOn>['logger']) =>
    logger.records().filter((line) => line.level === 'warn');

  it('lands on the day for accounts west of, at and east of UTC, the 1st of a month included', async () => {
    await start();
    const { usage } = recorderOn();
    for (const subscription of [HONOLULU.sub, SUB_A, KIRITIMATI.sub]) {
      for (const date of ['2026-11-01', '2026-11-15', '2026-11-30'])
        await usage.recordUsage(recordOn(subscription, date));
    }
    const filed = (subscription: string) =>
      sim.recorded
        .filter((row) => row.subscriptionId === subscription)
        .map((row) => [row.recordDate, row.date]);
    // Noon of the day in the account's zone: Honolulu is UTC-10, Kiritimati UTC+14.
    expect(filed(HONOLULU.sub)).toEqual([
      ['2026-11-01T22:00:00.000Z', '2026-11-01'],
      ['2026-11-15T22:00:00.000Z', '2026-11-15'],
      ['2026-11-30T22:00:00.000Z', '2026-11-30'],
    ]);
    expect(filed(SUB_A)).toEqual([
      ['2026-11-01T12:00:00.000Z', '2026-11-01'],
      ['2026-11-15T12:00:00.000Z', '2026-11-15'],
      ['2026-11-30T12:00:00.000Z', '2026-11-30'],
    ]);
    expect(filed(KIRITIMATI.sub)).toEqual([
      ['2026-10-31T22:00:00.000Z', '2026-11-01'],
      ['2026-11-14T22:00:00.000Z', '2026-11-15'],
      ['2026-11-29T22:00:00.000Z', '2026-11-30'],
    ]);
    // What Kill Bill invoices for November (a read of the month) has every record, October none.
    const { source } = connectForTest(
      'killbill',
      { baseUrl: sim.url, subscriptions: [HONOLULU.sub, SUB_A, KIRITIMATI.sub] },
      credentials,
      clock,
    );
    const october = { period: monthlyPeriod(new Date('2026-10-15T00:00:00Z'), 'UTC'), needs: {} };
    expect(quantities(spendOf(await source.read(november)))).toEqual([
      `${HONOLULU.sub} sim-usage-jpy 3`,
      `${SUB_A} sim-usage-jpy 3`,
      `${KIRITIMATI.sub} sim-usage-jpy 3`,
    ]);
    expect(quantities(spendOf(await source.read(october)))).toEqual([]);
  });

  it('reads the time zone once per subscription and per account, however many records', async () => {
    await start();
    const { usage } = recorderOn();
    const days = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);
    // 100 SIMs' records on one subscription, 8 at a time as chargeback sends them, then more on
    // another subscription of the same account.
    const sims = Array.from({ length: 100 }, (_, i) => `sim-${i}`);
    const results = await mapLimit(sims, 8, (unit, i) =>
      usage.recordUsage(recordOn(HONOLULU.sub, days[i % 30]!, '1', unit)),
    );
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    for (const day of days) await usage.recordUsage(recordOn(HONOLULU_2, day));
    expect(sim.recorded).toHaveLength(130);
    expect(sim.recorded.every((row) => row.recordDate.endsWith('T22:00:00.000Z'))).toBe(true);
    expect(sim.calls(/^\/1\.0\/kb\/subscriptions\//).map((c) => c.path)).toEqual([
      `/1.0/kb/subscriptions/${HONOLULU.sub}`,
      `/1.0/kb/subscriptions/${HONOLULU_2}`,
    ]);
    expect(sim.calls(/^\/1\.0\/kb\/accounts\//).map((c) => c.path)).toEqual([
      `/1.0/kb/accounts/${HONOLULU.accountId}`,
    ]);
    expect(sim.calls('/1.0/kb/nodesInfo')).toHaveLength(1);
  });

  it('records at noon UTC, with one warning, when the account has no time zone Kill Bill states or one that is none', async () => {
    await start();
    const { usage, logger } = recorderOn();
    const accountPath = `/1.0/kb/accounts/${HONOLULU.accountId}`;
    sim.inject(accountPath, {
      kind: 'rewrite',
      body: (account) => ({ ...(account as object), timeZone: undefined }),
    });
    await usage.recordUsage(recordOn(HONOLULU.sub, '2026-11-01'));
    await usage.recordUsage(recordOn(HONOLULU_2, '2026-11-02'));
    sim.inject(`/1.0/kb/accounts/${KIRITIMATI.accountId}`, {
      kind: 'rewrite',
      body: (account) => ({ ...(account as object), timeZone: 'Mars/Olympus_Mons' }),
    });
    await usage.recordUsage(recordOn(KIRITIMATI.sub, '2026-11-01'));
    expect(sim.recorded.map((row) => row.recordDate)).toEqual([
      '2026-11-01T12:00:00.000Z',
      '2026-11-02T12:00:00.000Z',
      '2026-11-01T12:00:00.000Z',
    ]);
    expect(warnings(logger).map((line) => [line.message, line.accountId, line.timeZone])).toEqual([
      [expect.stringContaining('no valid time zone'), HONOLULU.accountId, undefined],
      [expect.stringContaining('no valid time zone'), KIRITIMATI.accountId, 'Mars/Olympus_Mons'],
    ]);
  });

  it('reports a subscription Kill Bill does not know as not found, asking once', async () => {
    await start();
    const { usage } = recorderOn();
    for (const date of ['2026-11-01', '2026-11-02']) {
      const error = await providerErrorOf(usage.recordUsage(recordOn(UNKNOWN_SUB, date)));
      expect(error.kind).toBe('not-found');
      expect(error.message).toContain(`Kill Bill has no subscription ${UNKNOWN_SUB}`);
    }
    expect(sim.calls(`/1.0/kb/subscriptions/${UNKNOWN_SUB}`)).toHaveLength(1);
    expect(sim.calls('/1.0/kb/usages', 'POST')).toHaveLength(0);
  });

  it('on 0.22 (from nodesInfo) records the day itself and whole units, and refuses a fraction it would truncate', async () => {
    await start('0.22');
    const { usage } = recorderOn();
    expect(await usage.serverVersion()).toBe('0.22');
    await usage.recordUsage(recordOn(HONOLULU.sub, '2026-11-01', '12'));
    const refused = await usage
      .recordUsage(recordOn(HONOLULU.sub, '2026-11-02', '12.5'))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RangeError);
    expect((refused as Error).message).toMatch(
      /killbill account "billing": Kill Bill 0\.22 keeps usage amounts as whole numbers and would record 12\.5 as 12.*serverVersion/,
    );
    expect(sim.recorded.map((row) => [row.recordDate, row.date, row.amount])).toEqual([
      ['2026-11-01', '2026-11-01', '12'],
    ]);
    // A bare date needs no time zone: Kill Bill reads it as the account's day.
    expect(sim.calls(/^\/1\.0\/kb\/(subscriptions|accounts)\//)).toHaveLength(0);
    expect(sim.calls('/1.0/kb/nodesInfo')).toHaveLength(1);
  });

  it('takes the version from the serverVersion setting without asking nodesInfo', async () => {
    await start('0.22');
    const legacy = recorderOn({ serverVersion: '0.22' }).usage;
    expect(await legacy.serverVersion()).toBe('0.22');
    await legacy.recordUsage(recordOn(SUB_A, '2026-11-01', '3'));
    // YAML reads an unquoted 0.24 as a number.
    const current = recorderOn({ serverVersion: 0.24 }).usage;
    expect(await current.serverVersion()).toBe('0.24');
    expect(sim.calls('/1.0/kb/nodesInfo')).toHaveLength(0);
    expect(sim.recorded.map((row) => row.recordDate)).toEqual(['2026-11-01']);
  });

  it('takes any 0.x before 0.24 for the 0.22 contract, anything later for 0.24', async () => {
    await start();
    const versions = {
      '0.20.22': '0.22',
      '0.22.32': '0.22',
      '0.24.10-SNAPSHOT': '0.24',
      '0.26': '0.24',
      '1.0.0': '0.24',
    };
    for (const [kbVersion, contract] of Object.entries(versions)) {
      sim.inject('/1.0/kb/nodesInfo', { kind: 'rewrite', body: () => [{ kbVersion }] });
      expect(await recorderOn().usage.serverVersion(), kbVersion).toBe(contract);
    }
  });

  it('assumes 0.24, saying so once, when nodesInfo will not tell', async () => {
    await start();
    const unhelpful: [string, Parameters<KillBillSimulator['inject']>[1]][] = [
      ['404', { kind: 'status', status: 404, body: '' }],
      ['403', { kind: 'status', status: 403, body: '' }],
      [
        'no kbVersion',
        { kind: 'rewrite', body: (nodes) => (nodes as object[]).map(() => ({ nodeName: 'kb-1' })) },
      ],
      ['no node', { kind: 'rewrite', body: () => [] }],
      ['not a version', { kind: 'rewrite', body: () => [{ kbVersion: 'unknown' }] }],
    ];
    for (const [why, fault] of unhelpful) {
      sim.inject('/1.0/kb/nodesInfo', fault);
      const { usage, logger } = recorderOn();
      const unitType = `calls-${unhelpful.findIndex(([reason]) => reason === why)}`;
      await usage.recordUsage(recordOn(SUB_A, '2026-11-01', '1', unitType));
      expect(await usage.serverVersion(), why).toBe('0.24');
      await usage.recordUsage(recordOn(SUB_A, '2026-11-02', '1', unitType));
      expect(
        warnings(logger).map((line) => line.message),
        why,
      ).toEqual([expect.stringMatching(/Kill Bill did not say its version.*serverVersion/)]);
    }
    expect(sim.calls('/1.0/kb/nodesInfo')).toHaveLength(unhelpful.length);
  });
});

describe('Kill Bill account config', () => {
  const account = {
    provider: 'killbill',
    baseUrl: 'https://killbill.example.com',
    subscriptions: [SUB_A],
    credentials: {
      username: 'env:KB_USER',
      password: 'env:KB_PASS',
      apiKey: 'env:KB_KEY',
      apiSecret: 'env:KB_SECRET',
    },
  };
  const yaml = (fields: string) => `
accounts:
  - id: billing
    provider: killbill
${fields}
    credentials: { username: env:KB_USER, password: env:KB_PASS, apiKey: env:KB_KEY, apiSecret: env:KB_SECRET }
`;

  it('requires baseUrl, saying why', () => {
    expect(() => parseConfig(yaml(`    subscriptions: [${SUB_A}]`))).toThrow(
      /accounts\[0\]\.baseUrl: required field "baseUrl" is missing: Kill Bill is self-hosted/,
    );
  });

  it('takes subscription UUIDs only, each once (none only where no budget reads the account)', () => {
    expect(() =>
      parseConfig(yaml(`    baseUrl: https://killbill.example.com\n    subscriptions: [sub-1]`)),
    ).toThrow(/subscriptions\[0\].*expected a Kill Bill subscription UUID/);
    expect(killbill.account.safeParse({ ...account, subscriptions: [SUB_A, SUB_A] }).success).toBe(false);
    // An account that only receives chargeback lists none; a budget on it is refused (test/unit/config/config.test.ts).
    expect(killbill.account.safeParse({ ...account, subscriptions: [] }).success).toBe(true);
  });

  it('takes serverVersion auto (the default), 0.22 or 0.24, quoted or not', () => {
    const versionOf = (fields: string) =>
      parseConfig(yaml(`    baseUrl: https://killbill.example.com\n${fields}`)).accounts[0]!.settings;
    expect(versionOf('')).toMatchObject({ serverVersion: 'auto' });
    expect(versionOf('    serverVersion: 0.22')).toMatchObject({ serverVersion: '0.22' });
    expect(versionOf('    serverVersion: "0.24"')).toMatchObject({ serverVersion: '0.24' });
    expect(() => versionOf('    serverVersion: 0.23')).toThrow(
      /accounts\[0\]\.serverVersion = 0\.23: expected auto, 0\.22 or 0\.24/,
    );
  });

  it('defaults createdBy and the time zone, and takes credentials as references only', () => {
    const config = parseConfig(
      yaml(`    baseUrl: https://killbill.example.com\n    subscriptions: [${SUB_A}]`),
    );
    expect(config.accounts[0]).toMatchObject({ timeZone: 'UTC', settings: { createdBy: 'spendwatch' } });
    expect(
      killbill.account.safeParse({ ...account, credentials: { ...account.credentials, password: 'hunter2' } })
        .success,
    ).toBe(false);
  });
});
