/**
 * Keeps the simulator and the client on Kill Bill's published contract (../shared/specs/killbill):
 * bodies are checked against the Swagger definitions of 0.24.10 and 0.22.22 (the usage section, and
 * the official 0.24.10 kbswagger for subscriptions, accounts and nodesInfo) and compared, key by key
 * and type by type, with the examples from the Kill Bill API docs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { DEFAULT_ACCOUNT_ID, KillBillSimulator } from '../../dev/simulators/killbill.ts';
import { killbill, killbillUsageRecorder } from '../../lib/providers/killbill/index.ts';
import {
  BillingException,
  RolledUpUsage,
  type SubscriptionUsageRecord,
} from '../../lib/providers/killbill/schemas.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { accountForTest, connectForTest, contextForTest } from '../support/providers.ts';
import { specText } from '../support/specs.ts';

const read = (file: string) => specText('killbill', file);

interface SwaggerSchema {
  $ref?: string;
  type?: string;
  format?: string;
  required?: string[];
  properties?: Record<string, SwaggerSchema>;
  items?: SwaggerSchema;
}
type Definitions = Record<string, SwaggerSchema>;

const definitions = {
  '0.24': (parse(read('kbswagger-0.24.10.usage.extract.yaml')) as { definitions: Definitions }).definitions,
  '0.22': (parse(read('kbswagger-0.22.22.usage.extract.yaml')) as { definitions: Definitions }).definitions,
};
// The complete 0.24.10 Swagger: Subscription, Account and NodeInfo.
const official = (parse(specText('official/killbill', 'kbswagger.yaml')) as { definitions: Definitions })
  .definitions;
const examples = {
  rolledUpUsage: JSON.parse(read('example.rolledUpUsage.200.docs-legacy.json')) as unknown,
  recordUsage: JSON.parse(read('example.recordUsage.request.json')) as unknown,
};

const FORMATS: Record<string, z.ZodType> = {
  uuid: z.guid(),
  date: z.iso.date(),
  'date-time': z.iso.datetime({ offset: true }),
};

/** Where `value` departs from a Swagger 2.0 schema: unknown or missing keys, wrong types or formats. */
function violations(schema: SwaggerSchema, value: unknown, defs: Definitions, path = '(body)'): string[] {
  if (schema.$ref) return violations(defs[schema.$ref.replace('#/definitions/', '')]!, value, defs, path);
  const got = JSON.stringify(value);
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${path}: expected object`];
      const properties = schema.properties ?? {};
      return [
        ...Object.keys(value)
          .filter((key) => !(key in properties))
          .map((key) => `${path}.${key}: not in the contract`),
        ...(schema.required ?? []).filter((key) => !(key in value)).map((key) => `${path}.${key}: missing`),
        ...Object.entries(value).flatMap(([key, item]) =>
          properties[key] ? violations(properties[key], item, defs, `${path}.${key}`) : [],
        ),
      ];
    }
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((item, i) => violations(schema.items!, item, defs, `${path}.${i}`))
        : [`${path}: expected array`];
    case 'string': {
      if (typeof value !== 'string') return [`${path}: expected string, got ${got}`];
      const format = schema.format && FORMATS[schema.format];
      return format && !format.safeParse(value).success
        ? [`${path}: expected ${schema.format}, got ${got}`]
        : [];
    }
    case 'number':
      return typeof value === 'number' ? [] : [`${path}: expected number, got ${got}`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: expected integer, got ${got}`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected boolean, got ${got}`];
    default:
      throw new Error(`${path}: the checker does not know Swagger type ${schema.type}`);
  }
}

/** Keys and JSON types, recursively (arrays by their first element): what "same shape" compares. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return [shape(value[0])];
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, item]) => [key, shape(item)]),
    );
  return value === null ? 'null' : typeof value;
}

const NOW = new Date('2026-11-23T10:00:00Z');
const SUB = '365987b2-5443-47e4-a467-c8962fc6995c';
const credentials = { username: 'admin', password: 'password', apiKey: 'bob', apiSecret: 'lazar' };
const headers = {
  authorization: `Basic ${Buffer.from('admin:password').toString('base64')}`,
  'X-Killbill-ApiKey': 'bob',
  'X-Killbill-ApiSecret': 'lazar',
};

describe.each(['0.24', '0.22'] as const)('Kill Bill %s contract', (version) => {
  let sim: KillBillSimulator;

  beforeEach(async () => {
    sim = new KillBillSimulator({
      ...credentials,
      subscriptions: [SUB],
      now: () => NOW,
      version,
      usage: {
        [SUB]: { 'chocolate-videos': { '2026-11-02': version === '0.24' ? '1.5' : 1, '2026-11-03': 2 } },
      },
    });
    await sim.start();
  });
  afterEach(() => sim.stop());

  const get = async (path: string) => {
    const response = await fetch(`${sim.url}${path}?startDate=2026-11-01&endDate=2026-12-01`, { headers });
    return { status: response.status, body: (await response.json()) as unknown };
  };

  it('serves RolledUpUsage as the Swagger defines it, on both usage paths', async () => {
    for (const path of [`/1.0/kb/usages/${SUB}`, `/1.0/kb/usages/${SUB}/chocolate-videos`]) {
      const { status, body } = await get(path);
      expect(status).toBe(200);
      expect(violations({ $ref: '#/definitions/RolledUpUsage' }, body, definitions[version])).toEqual([]);
      expect(shape(body)).toEqual(shape(examples.rolledUpUsage));
      expect(RolledUpUsage.safeParse(body).success).toBe(true);
    }
  });

  it('sends a usage record the Swagger and the docs example describe', async () => {
    const recorder = killbillUsageRecorder(
      accountForTest(killbill, { baseUrl: sim.url, subscriptions: [SUB] }, credentials),
      contextForTest(credentials, fixedClock(NOW)),
    );
    await recorder.recordUsage({
      subscriptionId: SUB,
      trackingId: 'my-unique-tracking-id',
      unitType: 'chocolate-videos',
      date: '2026-11-23',
      amount: '1',
    });
    const [post] = sim.calls('/1.0/kb/usages', 'POST');
    expect(shape(post!.body)).toEqual(shape(examples.recordUsage));
    const problems = violations(
      { $ref: '#/definitions/SubscriptionUsageRecord' },
      post!.body,
      definitions[version],
    );
    // 0.22 gets the day (`format: date`), 0.24 an instant (`format: date-time`).
    expect(problems).toEqual([]);
    const [usage] = (post!.body as SubscriptionUsageRecord).unitUsageRecords[0]!.usageRecords;
    expect(usage!.recordDate).toBe(version === '0.24' ? '2026-11-23T12:00:00.000Z' : '2026-11-23');
  });

  it('refuses a repeated trackingId with a BillingException body', async () => {
    const record = examples.recordUsage;
    const post = () =>
      fetch(`${sim.url}/1.0/kb/usages`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'X-Killbill-CreatedBy': 'test' },
        body: JSON.stringify(record),
      });
    expect((await post()).status).toBe(201);
    const duplicate = await post();
    expect(duplicate.status).toBe(400);
    const body = BillingException.parse(await duplicate.json());
    expect(body).toMatchObject({ code: 50_000, message: expect.stringContaining('my-unique-tracking-id') });
  });
});

describe('Kill Bill simulator: subscriptions, accounts and nodes, and the day a record is filed on', () => {
  const ACCOUNT = '5d0c9e2a-7b41-4f3e-9a6d-2e8b1c4f7a90';
  const HONOLULU_SUB = 'c3e1a7b5-0d2f-4c6e-8b9a-1f3d5e7a9c2b';
  const NEW_YORK = {
    accountId: 'e7f3b1c9-2a4d-4b6e-9c8a-0d2f4b6e8a1c',
    sub: '8a2c4e6f-1b3d-4f5a-9e7c-3b5d7f9a1c2e',
  };
  let sim: KillBillSimulator;

  const start = async (version: '0.24' | '0.22') => {
    sim = new KillBillSimulator({
      ...credentials,
      subscriptions: [SUB],
      accounts: [
        { accountId: ACCOUNT, timeZone: 'Pacific/Honolulu', subscriptions: [HONOLULU_SUB] },
        // Reference time in winter: Kill Bill keeps New York at UTC-5 all year.
        {
          accountId: NEW_YORK.accountId,
          timeZone: 'America/New_York',
          referenceTime: '2026-01-15T12:00:00.000Z',
          subscriptions: [NEW_YORK.sub],
        },
      ],
      now: () => NOW,
      version,
    });
    await sim.start();
  };
  afterEach(() => sim.stop());

  const getJson = async (path: string, extra: Record<string, string> = headers) => {
    const response = await fetch(`${sim.url}${path}`, { headers: extra });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const post = (subscriptionId: string, recordDate: string, amount = 1) =>
    fetch(`${sim.url}/1.0/kb/usages`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'X-Killbill-CreatedBy': 'test' },
      body: JSON.stringify({
        subscriptionId,
        trackingId: `${recordDate}-${amount}`,
        unitUsageRecords: [{ unitType: 'chocolate-videos', usageRecords: [{ recordDate, amount }] }],
      }),
    });

  it('serves Subscription, Account and NodeInfo as the official Swagger defines them', async () => {
    await start('0.24');
    const subscription = await getJson(`/1.0/kb/subscriptions/${HONOLULU_SUB}`);
    expect(subscription.status).toBe(200);
    expect(violations({ $ref: '#/definitions/Subscription' }, subscription.body, official)).toEqual([]);
    expect(subscription.body).toMatchObject({ accountId: ACCOUNT, subscriptionId: HONOLULU_SUB });
    expect((await getJson(`/1.0/kb/subscriptions/${SUB}`)).body.accountId).toBe(DEFAULT_ACCOUNT_ID);

    const account = await getJson(`/1.0/kb/accounts/${ACCOUNT}`);
    expect(account.status).toBe(200);
    expect(violations({ $ref: '#/definitions/Account' }, account.body, official)).toEqual([]);
    expect(account.body).toMatchObject({ accountId: ACCOUNT, timeZone: 'Pacific/Honolulu' });

    // nodesInfo asks for the user only, not the tenant.
    const { 'X-Killbill-ApiKey': _, 'X-Killbill-ApiSecret': __, ...basicOnly } = headers;
    const nodes = await getJson('/1.0/kb/nodesInfo', basicOnly);
    expect(nodes.status).toBe(200);
    expect(
      violations({ type: 'array', items: { $ref: '#/definitions/NodeInfo' } }, nodes.body, official),
    ).toEqual([]);
    expect(nodes.body).toMatchObject([{ kbVersion: '0.24.10' }]);

    const unknown = '00000000-1111-4222-8333-444444444444';
    const missing = [
      await getJson(`/1.0/kb/subscriptions/${unknown}`),
      await getJson(`/1.0/kb/accounts/${unknown}`),
    ];
    expect(missing.map(({ status, body }) => [status, BillingException.parse(body).code])).toEqual([
      [404, 1082],
      [404, 3003],
    ]);
  });

  it('serves the dry-run Invoice, the pages of Accounts and CustomFields as the official Swagger defines them', async () => {
    await start('0.24');
    sim.options.accounts.push({
      accountId: NEW_YORK.accountId.replace('e7f3', 'f7f3'),
      externalKey: 'acme',
      subscriptions: ['1b3d5f7a-9c2e-4a6b-8d0f-2a4c6e8a0b1d'],
      plans: { '1b3d5f7a-9c2e-4a6b-8d0f-2a4c6e8a0b1d': 'platform-monthly' },
      customFields: { 'spendwatch-cap': '2000' },
    });
    sim.options.usage[HONOLULU_SUB] = { 'api-calls': { '2026-11-02': 1_500_000 } };
    const json = { ...headers, 'content-type': 'application/json' };
    const dryRun = (
      accountId: string,
      body: unknown = { dryRunType: 'UPCOMING_INVOICE' },
      sent: Record<string, string> = { ...json, 'X-Killbill-CreatedBy': 'test' },
    ) =>
      fetch(`${sim.url}/1.0/kb/invoices/dryRun?accountId=${accountId}`, {
        method: 'POST',
        headers: sent,
        body: JSON.stringify(body),
      });
    const invoice = await dryRun(ACCOUNT);
    expect(invoice.status).toBe(200);
    const body = (await invoice.json()) as Record<string, unknown>;
    expect(violations({ $ref: '#/definitions/Invoice' }, body, official)).toEqual([]);
    // 1,500,000 calls: 1,000 blocks at 0.40 and 500 at 0.25, for November, on the 1 December invoice.
    expect(body).toMatchObject({
      amount: 525,
      currency: 'USD',
      targetDate: '2026-12-01',
      accountId: ACCOUNT,
    });
    expect(body.items).toMatchObject([
      {
        itemType: 'USAGE',
        amount: 400,
        quantity: 1000,
        rate: 0.4,
        startDate: '2026-11-01',
        endDate: '2026-12-01',
      },
      { itemType: 'USAGE', amount: 125, quantity: 500, rate: 0.25 },
    ]);
    // The same account asked twice: the same invoice (a dry run records nothing).
    expect(await (await dryRun(ACCOUNT)).json()).toEqual(body);
    // An account the tenant does not have: 404. One with nothing to invoice: 204, no body.
    const unknown = await dryRun(NEW_YORK.accountId.replace('e7f3', 'e7f4'));
    expect([unknown.status, BillingException.parse(await unknown.json()).code]).toEqual([404, 3003]);
    sim.options.accounts.push({ accountId: '0b1d3f5a-7c9e-4b2d-8f0a-3c5e7a9b1d2f', subscriptions: [] });
    const empty = await dryRun('0b1d3f5a-7c9e-4b2d-8f0a-3c5e7a9b1d2f');
    expect([empty.status, await empty.text()]).toEqual([204, '']);
    const refusals = [
      // The CreatedBy header is required, though a dry run records nothing.
      await dryRun(ACCOUNT, { dryRunType: 'UPCOMING_INVOICE' }, json),
      await dryRun(ACCOUNT, {}),
    ];
    expect(refusals.map((r) => r.status)).toEqual([400, 400]);

    const page = await getJson('/1.0/kb/accounts/pagination?offset=1&limit=2');
    expect(
      violations({ type: 'array', items: { $ref: '#/definitions/Account' } }, page.body, official),
    ).toEqual([]);
    expect((page.body as unknown as { accountId: string }[]).map((a) => a.accountId)).toEqual([
      ACCOUNT,
      NEW_YORK.accountId,
    ]);
    const byKey = await getJson('/1.0/kb/accounts?externalKey=acme');
    expect(violations({ $ref: '#/definitions/Account' }, byKey.body, official)).toEqual([]);
    expect((await getJson('/1.0/kb/accounts?externalKey=nobody')).status).toBe(404);
    const fields = await getJson(`/1.0/kb/accounts/${byKey.body.accountId}/customFields`);
    expect(
      violations({ type: 'array', items: { $ref: '#/definitions/CustomField' } }, fields.body, official),
    ).toEqual([]);
    expect(fields.body).toMatchObject([{ name: 'spendwatch-cap', value: '2000', objectType: 'ACCOUNT' }]);
  });

  it('0.24 files an instant on its day in the account time zone, at the offset of its reference time', async () => {
    await start('0.24');
    expect((await post(HONOLULU_SUB, '2026-11-01T22:00:00.000Z')).status).toBe(201);
    // A bare date is midnight UTC: the evening before in Honolulu.
    expect((await post(HONOLULU_SUB, '2026-11-01')).status).toBe(201);
    // Noon in New York in July is 16:00Z, 11:00 at the account's fixed UTC-5: still the 1st.
    expect((await post(NEW_YORK.sub, '2026-07-01T16:00:00.000Z')).status).toBe(201);
    // Midnight in New York in July (04:00Z) is 23:00 the day before at UTC-5.
    expect((await post(NEW_YORK.sub, '2026-07-01T04:00:00.000Z')).status).toBe(201);
    expect(sim.recorded.map((row) => [row.recordDate, row.date])).toEqual([
      ['2026-11-01T22:00:00.000Z', '2026-11-01'],
      ['2026-11-01', '2026-10-31'],
      ['2026-07-01T16:00:00.000Z', '2026-07-01'],
      ['2026-07-01T04:00:00.000Z', '2026-06-30'],
    ]);
    expect((await post(HONOLULU_SUB, '2026-11-01T25:00:00Z')).status).toBe(400);
  });

  it('0.22 takes the day itself, refuses a date-time and drops the fraction of an amount (a Long)', async () => {
    await start('0.22');
    expect((await getJson('/1.0/kb/nodesInfo')).body).toMatchObject([{ kbVersion: '0.22.32' }]);
    expect((await post(HONOLULU_SUB, '2026-11-01', 12.5)).status).toBe(201);
    const dateTime = await post(HONOLULU_SUB, '2026-11-01T22:00:00.000Z', 3);
    expect(dateTime.status).toBe(400);
    expect(BillingException.parse(await dateTime.json()).message).toContain('2026-11-01T22:00:00.000Z');
    expect(sim.recorded.map((row) => [row.date, row.amount])).toEqual([['2026-11-01', '12']]);
  });
});

describe('Kill Bill simulator refusals, as UsageResource answers them', () => {
  let sim: KillBillSimulator;

  beforeEach(async () => {
    sim = new KillBillSimulator({ ...credentials, subscriptions: [SUB], now: () => NOW });
    await sim.start();
  });
  afterEach(() => sim.stop());

  const get = (query: string, extra: Record<string, string> = {}) =>
    fetch(`${sim.url}/1.0/kb/usages/${SUB}${query}`, { headers: { ...headers, ...extra } });

  it('answers a bare 400 without startDate or endDate, and 400 to a date it cannot parse', async () => {
    for (const query of ['?startDate=2026-11-01', '?endDate=2026-12-01', '']) {
      const response = await get(query);
      expect(response.status).toBe(400);
      expect(await response.text()).toBe('');
    }
    expect((await get('?startDate=2026-11-01&endDate=next-month')).status).toBe(400);
  });

  it('answers 401 to a wrong password or API secret', async () => {
    const range = '?startDate=2026-11-01&endDate=2026-12-01';
    expect((await get(range)).status).toBe(200);
    expect((await get(range, { 'X-Killbill-ApiSecret': 'wrong' })).status).toBe(401);
    const wrongUser = { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` };
    expect((await get(range, wrongUser)).status).toBe(401);
  });

  it('refuses usage without X-Killbill-CreatedBy, or for an unknown subscription', async () => {
    const post = (body: unknown, extra: Record<string, string> = {}) =>
      fetch(`${sim.url}/1.0/kb/usages`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', ...extra },
        body: JSON.stringify(body),
      });
    const noCreator = await post(examples.recordUsage);
    expect(noCreator.status).toBe(400);
    expect(BillingException.parse(await noCreator.json())).toMatchObject({
      className: 'java.lang.IllegalArgumentException',
      message: 'Header X-Killbill-CreatedBy needs to be set',
    });
    const unknown = await post(
      { ...(examples.recordUsage as object), subscriptionId: '00000000-1111-4222-8333-444444444444' },
      { 'X-Killbill-CreatedBy': 'test' },
    );
    expect(unknown.status).toBe(404);
    expect(BillingException.parse(await unknown.json()).code).toBe(1082);
    expect(sim.recorded).toEqual([]);
  });
});

describe('Kill Bill docs examples', () => {
  it('are read by the client schema (the legacy example has date-only dates and an integer amount)', () => {
    expect(RolledUpUsage.parse(examples.rolledUpUsage).rolledUpUnits).toEqual([
      { unitType: 'chocolate-videos', amount: 1 },
    ]);
    expect(
      violations({ $ref: '#/definitions/RolledUpUsage' }, examples.rolledUpUsage, definitions['0.22']),
    ).toEqual([]);
  });

  it('describe the request of the usage example the simulator records and reports', async () => {
    const sim = new KillBillSimulator({ ...credentials, subscriptions: [SUB], now: () => NOW });
    await sim.start();
    try {
      const response = await fetch(`${sim.url}/1.0/kb/usages`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'X-Killbill-CreatedBy': 'docs' },
        body: JSON.stringify(examples.recordUsage),
      });
      expect(response.status).toBe(201);
      const { source } = connectForTest(
        'killbill',
        { baseUrl: sim.url, subscriptions: [SUB] },
        credentials,
        fixedClock(NOW),
      );
      const reading = await source.read({
        period: monthlyPeriod(new Date('2013-03-14T00:00:00Z'), 'UTC'),
        needs: {},
      });
      expect(
        reading.status === 'ok' && reading.spend.lines.map((l) => l.ConsumedQuantity?.toString()),
      ).toEqual(['1']);
    } finally {
      await sim.stop();
    }
  });
});
