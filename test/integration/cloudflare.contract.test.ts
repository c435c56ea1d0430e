/**
 * Keeps the Cloudflare simulator honest: its bodies must have the keys and JSON types of the
 * contract's examples in shared/specs/cloudflare (beside the repository), so it cannot drift.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudflareSimulator, dailyUsage, type UsageGeneration } from '../../dev/simulators/cloudflare.ts';
import { specJson, specText } from '../support/specs.ts';

const ACCOUNT_TAG = '023e105f4ecef8ad9ca31a8372d0c353';
const TOKEN = 'cf-drift-token-0123456789';
/** FOCUS columns the contract allows to be null; the examples show them as strings. */
const NULLABLE = new Set(['ChargeClass', 'SubscriptionId', 'ZoneId', 'ZoneName']);

const example = (name: string): unknown => specJson('cloudflare', name);

/** The fields of one record interface of the official SDK types (usage.d.ts): name → optional. */
function sdkRecordFields(item: string): Map<string, boolean> {
  const types = specText('official/cloudflare/billing', 'usage.d.ts');
  const body = types.slice(types.indexOf(`interface ${item} {`)).split('\n    }\n')[0]!;
  return new Map([...body.matchAll(/^ {8}(\w+)(\?)?: /gm)].map((m) => [m[1]!, m[2] === '?']));
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Differences in keys and JSON types, comparing the first element of arrays that both have. */
function shapeDifferences(actual: unknown, expected: unknown, path = '$'): string[] {
  const [a, e] = [jsonType(actual), jsonType(expected)];
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (a !== e) return a === 'null' && NULLABLE.has(key) ? [] : [`${path}: ${a} instead of ${e}`];
  if (a === 'array') {
    const [first, sample] = [(actual as unknown[])[0], (expected as unknown[])[0]];
    return first === undefined || sample === undefined ? [] : shapeDifferences(first, sample, `${path}[0]`);
  }
  if (a !== 'object') return [];
  const [got, want] = [actual as Record<string, unknown>, expected as Record<string, unknown>];
  const keys = new Set([...Object.keys(got), ...Object.keys(want)]);
  return [...keys].flatMap((k) => {
    if (!(k in got)) return [`${path}.${k}: missing`];
    if (!(k in want)) return [`${path}.${k}: not in the contract`];
    return shapeDifferences(got[k], want[k], `${path}.${k}`);
  });
}

describe('Cloudflare simulator matches the contract examples', () => {
  const sims = new Map<UsageGeneration, CloudflareSimulator>();

  beforeAll(async () => {
    for (const live of ['billable-usage', 'paygo-usage', 'beta', 'focus-v2'] as const) {
      const sim = new CloudflareSimulator({
        focusCosts: true,
        accountId: ACCOUNT_TAG,
        tokens: [TOKEN],
        now: () => new Date('2026-11-20T10:00:00Z'),
        live,
        // A cancelled subscription first, so the info example's end_timestamp has a counterpart.
        subscriptions: [
          { id: 'OLD0SUBSCRIPTION', anchor: '2022-01-01T00:00:00Z', end: '2023-12-31T23:59:59Z' },
          { id: '3F3CD4CQ6N7FXO7IK6NVFJBOYA', anchor: '2024-01-01T00:00:00Z' },
        ],
        usage: dailyUsage('2026-11-01', '2026-11-20', () => ({ 'Workers Standard': 0.75 })),
        services: { 'Workers Standard': { zone: { id: ACCOUNT_TAG, name: 'example.com' } } },
      });
      await sim.start();
      sims.set(live, sim);
    }
  });
  afterAll(async () => {
    for (const sim of sims.values()) await sim.stop();
  });

  const get = async (live: UsageGeneration, suffix: string) => {
    const sim = sims.get(live)!;
    const reply = await fetch(`${sim.url}${sim.path(suffix)}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return { status: reply.status, body: (await reply.json()) as unknown };
  };

  it.each([
    ['billable-usage', '/billable-usage', 'example.billable-usage-v1.200.json'],
    ['billable-usage', '/billable-usage/info', 'example.billable-usage-info.200.json'],
    ['paygo-usage', '/paygo-usage-info', 'example.billable-usage-info.200.json'],
    ['beta', '/billing/usage/paygo', 'example.billing-usage-paygo-beta.200.json'],
    ['billable-usage', '/billing/profile', 'example.billing-profile.200.json'],
  ] as const)('%s GET %s has the shape of %s', async (live, suffix, file) => {
    const { status, body } = await get(live, suffix);
    expect(status).toBe(200);
    expect(Object.keys((body as { result: object }).result).length).toBeGreaterThan(0);
    expect(shapeDifferences(body, example(file))).toEqual([]);
  });

  it('/paygo-usage records carry exactly the properties of billable-usage-api_usage_record', async () => {
    const spec = example('openapi.billable-usage.api-schemas@c92b9b0.fragments.json') as {
      components: { schemas: Record<string, { properties: Record<string, { type: string }> }> };
    };
    const properties = spec.components.schemas['billable-usage-api_usage_record']!.properties;
    const { body } = await get('paygo-usage', '/paygo-usage');
    const [record] = (body as { result: Record<string, unknown>[] }).result;
    expect(Object.keys(record!).sort()).toEqual(Object.keys(properties).sort());
    for (const [field, { type }] of Object.entries(properties)) {
      const value = record![field];
      if (type === 'integer') expect(Number.isInteger(value), field).toBe(true);
      else expect(typeof value, field).toBe(type);
    }
  });

  it.each([
    ['billable-usage', '/billable-usage', 'UsageGetAccountUsageV1ResponseItem'],
    ['focus-v2', '/billable/usage', 'UsageGetAccountUsageV2ResponseItem'],
  ] as const)(
    '%s GET %s records carry the fields of the SDK type %s, every required one',
    async (live, suffix, item) => {
      const fields = sdkRecordFields(item);
      expect(fields.size).toBeGreaterThan(20);
      const { body } = await get(live, suffix);
      const [record] = (body as { result: Record<string, unknown>[] }).result;
      const required = [...fields].filter(([, optional]) => !optional).map(([name]) => name);
      expect(required.filter((name) => !(name in record!))).toEqual([]);
      expect(Object.keys(record!).filter((name) => !fields.has(name))).toEqual([]);
    },
  );

  it('answers retired and unreleased paths with the failure envelope of example.error-4xx.json', async () => {
    for (const [live, suffix] of [
      ['beta', '/billable-usage'],
      ['billable-usage', '/paygo-usage-info'],
      ['paygo-usage', '/billing/usage/paygo'],
    ] as const) {
      const { status, body } = await get(live, suffix);
      expect(status).toBe(404);
      expect(shapeDifferences(body, example('example.error-4xx.json'))).toEqual([]);
    }
  });
});
