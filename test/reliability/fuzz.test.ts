/**
 * Bad input, generated: the config parser, the provider response contracts and the calendar, with
 * fast-check (seeded: FUZZ_SEED replays a run), plus targeted cases for the inputs that break money and
 * time code (huge and negative amounts, empty months, leap days, DST, month ends ahead of UTC).
 *
 * Not fuzzed here: the CSV ingest, which another branch is building; it needs its own fuzzing of
 * quoting, encodings, BOMs and line endings once it lands.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Alert } from '../../lib/alerts/alert.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import type { CheckReport } from '../../lib/check/types.ts';
import { ConfigError } from '../../lib/config/errors.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { ProviderError } from '../../lib/http/index.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import {
  renderSlackMessage,
  renderSnsMessage,
  renderSubject,
  renderText,
} from '../../lib/notify/render/index.ts';
import { providerModule } from '../../lib/providers/registry.ts';
import { forgetSoracomSessions } from '../../lib/providers/soracom/index.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import type { SpendReading } from '../../lib/spend/index.ts';
import { HealthTracker } from '../../lib/state/account-health.ts';
import { AlertLedger } from '../../lib/state/ledger.ts';
import { MemoryObjectStore } from '../../lib/state/memory-store.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { localDateKey, pad } from '../../lib/time/zoned.ts';
import {
  type AccountOptions,
  type AccountRig,
  PROVIDER_NAMES,
  type ProviderName,
  startAccount,
} from '../support/fault-world.ts';
import { accountForTest, contextForTest } from '../support/providers.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const PARSE_BOUND_MS = 1_000;
const runs: Record<string, number> = {};
const counted = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);

afterAll(() => {
  const total = Object.values(runs).reduce((a, b) => a + b, 0);
  console.log(
    `fuzz (seed ${SEED}): ${total} runs (${Object.entries(runs)
      .map(([name, n]) => `${n} ${name}`)
      .join(', ')})`,
  );
});

// ---------------------------------------------------------------------------------------------- config

const VALID = `
version: 1
timeZone: UTC
rates:
  - { from: USD, to: JPY, rate: "151.20" }
accounts:
  - id: fleet
    provider: soracom
    coverage: jp
    credentials: { authKeyId: env:KEY_ID, authKey: ssm:/spendwatch/soracom/key }
  - id: cdn
    provider: fastly
    credentials: { apiToken: secretsmanager:spendwatch/fastly#token }
  - id: edge
    provider: cloudflare
    accountId: 023e105f4ecef8ad9ca31a8372d0c353
    credentials: { apiToken: env:CF_TOKEN }
  - id: billing
    provider: killbill
    baseUrl: https://killbill.example.com
    subscriptions: [365987b2-5443-47e4-a467-c8962fc6995c]
    credentials: { username: env:U, password: env:P, apiKey: env:K, apiSecret: env:S }
budgets:
  - name: fleet
    account: fleet
    amount: 30000
    currency: JPY
    thresholds: [{ at: 80% }, { at: 100%, basis: forecast, severity: critical }, { at: 25%, basis: pace }]
    anomaly: { lookbackDays: 14, sensitivity: 5, minAmount: 1000 }
  - name: all-cdn
    accounts: [cdn, edge]
    amount: "2500.50"
    currency: USD
    thresholds: [{ at: 2000 }]
    scope: { services: ["Workers*"] }
  - name: calls
    account: billing
    amount: 1000000
    unit: api-calls
    thresholds: [{ at: 90% }]
monitoring: { gapAfterHours: 6 }
`;

/** Config or ConfigError naming where each problem is; anything else (or a slow parse) fails. */
function parsesSafely(text: string): 'config' | 'problems' {
  const started = performance.now();
  try {
    const config = parseConfig(text);
    expect(Array.isArray(config.accounts) && Array.isArray(config.budgets)).toBe(true);
    return 'config';
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) {
      expect(problem.path, JSON.stringify(problem)).toMatch(/\S/);
      expect(problem.message, JSON.stringify(problem)).toMatch(/\S/);
      expect(problem.file).toBe('spendwatch.yaml');
    }
    return 'problems';
  } finally {
    expect(performance.now() - started).toBeLessThan(PARSE_BOUND_MS);
  }
}

const YAML_PIECES = [
  'accounts',
  'budgets',
  'id',
  'provider',
  'soracom',
  'fastly',
  'amount',
  'currency',
  'thresholds',
  'at',
  '80%',
  '1e400',
  '-1',
  '.inf',
  '~',
  'null',
  'true',
  ':',
  ': ',
  '- ',
  '\n',
  '  ',
  '{',
  '}',
  '[',
  ']',
  ',',
  '&a ',
  '*a',
  '!!str ',
  '!!binary ',
  '#',
  '"',
  "'",
  '|',
  '>',
  '<<: ',
  '? ',
  '---',
  '...',
  '%YAML 1.2',
  '\t',
  '\u0000',
  '\uFEFF',
  '😀',
  'ｱ',
];
const yamlish = fc
  .array(fc.oneof(fc.constantFrom(...YAML_PIECES), fc.string({ maxLength: 6 })), { maxLength: 60 })
  .map((parts) => parts.join(''));

type Json = unknown;
/** Every path into a JSON value (objects and arrays), for mutations that pick one by index. */
function paths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  const here = [at];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value && typeof value === 'object')
    return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return here;
}

type Mutation =
  | { op: 'delete'; pick: number }
  | { op: 'set'; pick: number; value: Json }
  | { op: 'rename'; pick: number; name: string }
  | { op: 'stringify'; pick: number }
  | { op: 'numberify'; pick: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({
    op: fc.constant('set' as const),
    pick: fc.nat(),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(
        1e21,
        -1,
        0,
        -0.0001,
        Number('12345678901234567890.12'), // more digits than a double holds
        '12345678901234567890.12',
        '',
        'ZZZ',
        '2028-02-29',
        null,
      ),
    ),
  }),
  fc.record({ op: fc.constant('rename' as const), pick: fc.nat(), name: fc.string({ maxLength: 12 }) }),
  fc.record({ op: fc.constant('stringify' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('numberify' as const), pick: fc.nat() }),
);

/** Applies mutations to a copy of `value`; the root itself is only ever replaced by `set`. */
function mutate(value: Json, mutations: Mutation[]): Json {
  let root = structuredClone(value);
  for (const m of mutations) {
    const all = paths(root);
    const path = all[m.pick % all.length]!;
    if (path.length === 0) {
      if (m.op === 'set') root = m.value;
      continue;
    }
    type Node = Record<string | number, Json>;
    const parent = path.slice(0, -1).reduce((node: Json, key) => (node as Node)[key], root) as Node;
    const key = path.at(-1)!;
    const current = parent[key];
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (m.op === 'set') parent[key] = m.value;
    else if (m.op === 'rename' && !Array.isArray(parent)) {
      delete parent[key];
      parent[m.name] = current;
    } else if (m.op === 'stringify')
      parent[key] = typeof current === 'string' ? current : JSON.stringify(current);
    else if (m.op === 'numberify') parent[key] = Number(current);
  }
  return root;
}

describe('config parser: every input is a Config or a ConfigError naming where', () => {
  const valid = parseYaml(VALID) as Json;

  it('accepts the valid base config', () => {
    expect(parsesSafely(VALID)).toBe('config');
  });

  it('random YAML-ish documents', () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        counted('random YAML-ish configs');
        parsesSafely(text);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('structural mutations of a valid config', () => {
    const outcomes = new Set<string>();
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        counted('mutated configs');
        outcomes.add(parsesSafely(stringifyYaml(mutate(valid, mutations))));
      }),
      { seed: SEED, numRuns: 400 },
    );
    expect([...outcomes].sort()).toEqual(['config', 'problems']); // both sides were exercised
  });

  it('text mutations of a valid config (bytes inserted, deleted, replaced)', () => {
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 8 }),
      insert: fc.oneof(fc.constantFrom(...YAML_PIECES), fc.string({ maxLength: 4 })),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 5 }), (edits) => {
        counted('edited config texts');
        let text = VALID;
        for (const { at, remove, insert } of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + insert + text.slice(i + remove);
        }
        parsesSafely(text);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('an alias bomb is a ConfigError, not a crash', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]'];
    bomb.push('c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]');
    expect(() => parseConfig(bomb.join('\n'))).toThrow(ConfigError);
    expect(parsesSafely(bomb.join('\n'))).toBe('problems');
  });
});

// ------------------------------------------------------------------------------------------- providers

describe('provider contracts: any body is a spend or an invalid-response error naming the field', () => {
  const NOW = new Date('2026-11-25T03:00:00Z');
  const rigs = {} as Record<ProviderName, AccountRig>;
  beforeAll(async () => {
    forgetSoracomSessions();
    for (const provider of PROVIDER_NAMES)
      rigs[provider] = await startAccount(provider, `fuzz-${provider}`, () => NOW);
  });

  async function read(provider: ProviderName): Promise<SpendReading> {
    const rig = rigs[provider];
    const module = providerModule(provider);
    const fields = parseYaml(rig.account.replace(/^{/, '{ ').replace(/}$/, ' }')) as Record<string, unknown>;
    const credentials = Object.fromEntries(
      Object.entries(fields.credentials as Record<string, string>).map(([key, ref]) => [
        key,
        rig.env[ref.slice(4)]!,
      ]),
    );
    const account = accountForTest(module, { ...fields, credentials: undefined }, credentials);
    const context = contextForTest(credentials, { now: () => NOW }, { retry: { maxAttempts: 1 } });
    return module
      .connect(account, context)
      .read({ period: monthlyPeriod(NOW, account.timeZone), needs: { daily: true, breakdown: true } });
  }

  const outcomes = new Set<string>();
  afterAll(async () => {
    await Promise.all(Object.values(rigs).map((rig) => rig.stop()));
    // Mutations must have produced both readable and refused bodies, or the property proved nothing.
    for (const provider of PROVIDER_NAMES) expect(outcomes).toContain(`${provider}: spend`);
    for (const provider of PROVIDER_NAMES) expect(outcomes).toContain(`${provider}: refused`);
  });

  /** What a body may turn into: a sane period spend, "not ready", or a contract error naming the field. */
  async function check(provider: ProviderName) {
    try {
      const reading = await read(provider);
      outcomes.add(`${provider}: ${reading.status === 'ok' ? 'spend' : 'pending'}`);
      if (reading.status === 'pending') return;
      const { spend } = reading;
      expect(spend.BillingPeriodStart.getTime()).toBeLessThan(spend.BillingPeriodEnd.getTime());
      expect(Number.isNaN(spend.asOf.getTime())).toBe(false);
      if (spend.BilledCost) expect(spend.BilledCost.toDecimalString()).toMatch(/^-?\d+(\.\d+)?$/);
    } catch (error) {
      expect(error, String(error)).toBeInstanceOf(ProviderError);
      outcomes.add(`${provider}: refused`);
      const failure = error as ProviderError;
      const said = `${failure.kind}: ${failure.message}`;
      if (provider === 'cloudflare' && failure.kind === 'http') expect(said).toMatch(/"success": false/);
      else expect(said).toMatch(/^invalid-response: .*(field "|not valid JSON)/);
    }
  }

  it.each(PROVIDER_NAMES)('%s: random JSON bodies', async (provider) => {
    const rig = rigs[provider];
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (body) => {
        counted('random provider bodies');
        rig.sim.inject(rig.primary, { kind: 'raw', status: 200, text: JSON.stringify(body) ?? 'null' }, 1);
        await check(provider);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it.each(PROVIDER_NAMES)('%s: mutations of the contract body', async (provider) => {
    const rig = rigs[provider];
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        counted('mutated provider bodies');
        rig.sim.inject(rig.primary, { kind: 'rewrite', body: (body) => mutate(body, mutations) }, 1);
        await check(provider);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});

// -------------------------------------------------------------------------------------------- calendar

describe('calendar: every period starts at the first instant of its local start day', () => {
  const ZONES = [
    'UTC',
    'Asia/Tokyo',
    'Pacific/Auckland',
    'Pacific/Chatham',
    'America/New_York',
    'Europe/Berlin',
    'Australia/Sydney',
    'Australia/Lord_Howe',
    'America/St_Johns',
    'Asia/Kathmandu',
    'America/Santiago',
    'Pacific/Kiritimati',
    'Pacific/Pago_Pago',
  ];
  /**
   * The oracle, from Intl alone: scans a 15-minute grid (every offset in use falls on it) for the first
   * instant whose local date is `date`. Midnight, or the end of a DST gap that swallowed it.
   */
  function firstInstantOf(year: number, month: number, day: number, zone: string): number {
    const date = `${year}-${pad(month)}-${pad(day)}`;
    for (let t = Date.UTC(year, month - 1, day) - 15 * 3_600_000; ; t += 15 * 60_000) {
      if (localDateKey(new Date(t), zone) >= date) return t;
    }
  }
  const expectBoundary = (year: number, month: number, day: number, zone: string) => {
    const first = firstInstantOf(year, month, day, zone);
    const period = monthlyPeriod(new Date(first), zone, day);
    const before = monthlyPeriod(new Date(first - 1), zone, day);
    expect([period.start.getTime(), before.end.getTime()], `${zone} ${year}-${month}-${day}`).toEqual([
      first,
      first,
    ]);
  };

  it('calendar months, 2026-2030, in zones with odd offsets and DST rules', () => {
    for (const zone of ZONES) {
      for (let year = 2026; year <= 2030; year++) {
        for (let month = 1; month <= 12; month++) {
          counted('calendar boundaries');
          expectBoundary(year, month, 1, zone);
        }
      }
    }
  });

  it('billing cycles starting on any day 2-28', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: 2026, max: 2030 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 2, max: 28 }),
        (zone, year, month, day) => {
          counted('calendar boundaries');
          expectBoundary(year, month, day, zone);
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });
});

// -------------------------------------------------------------------------------------- targeted cases

type Body = Record<string, unknown>;

describe('targeted bad inputs through the real check', () => {
  /** One account of `provider` with one budget, checked at `at`; the alerts are rendered for every channel. */
  async function checkOnce(
    provider: ProviderName,
    at: Date,
    options: AccountOptions & {
      amount?: number;
      thresholds?: string;
      rewrite?: (body: Body) => unknown;
    } = {},
  ): Promise<{ report: CheckReport; alerts: Alert[] }> {
    forgetSoracomSessions();
    const rig = await startAccount(provider, `t-${provider}`, () => at, options);
    try {
      const rewrite = options.rewrite;
      if (rewrite)
        rig.sim.inject(rig.primary, { kind: 'rewrite', body: (body) => rewrite(body as Body) }, 10);
      const config = parseConfig(
        `accounts:\n  - ${rig.account}\nbudgets:\n  - ${rig.budget('b', options.thresholds ?? '[{ at: 50% }, { at: 100%, basis: forecast }, { at: 10%, basis: pace }]', options.amount)}\n`,
      );
      const store = new MemoryObjectStore();
      const publisher = new MemoryPublisher();
      const report = await runCheck(config, {
        clock: { now: () => at },
        logger: memoryLogger(),
        secrets: new SecretResolver([envBackend(rig.env)]),
        publisher,
        ledger: new AlertLedger(store),
        health: new HealthTracker(store),
        http: { retry: { maxAttempts: 1 } },
      });
      for (const alert of publisher.published) {
        renderText(alert);
        renderSlackMessage(alert);
        renderSnsMessage(alert);
        expect(renderSubject(alert)).not.toMatch(/[\r\n]/);
      }
      return { report, alerts: publisher.published };
    } finally {
      await rig.stop();
    }
  }
  const evaluated = (report: CheckReport) => {
    const outcome = report.budgets[0]!;
    if (outcome.status !== 'evaluated')
      throw new Error(`budget ${outcome.status}: ${JSON.stringify(outcome)}`);
    return outcome.evaluation;
  };
  const T = new Date('2026-11-25T03:00:00Z');

  it("amounts stay exact past a double's precision: 999999999999.987654321 as text", async () => {
    counted('targeted cases');
    const text = await checkOnce('fastly', T, {
      amount: 1000,
      rewrite: (body) => ({ ...body, monthly_transaction_amount: '999999999999.987654321' }),
    });
    expect(evaluated(text.report).spent.toFixed()).toBe('999999999999.987654321');
    expect(text.alerts.find((a) => a.thresholdId === 'actual-50pct')?.spent).toBe('999999999999.987654321');
  });

  it('a figure no bill can be is a read error naming it, not an alert: 1e21, a 400-digit amount', async () => {
    counted('targeted cases');
    const cases = [
      {
        provider: 'soracom' as const,
        rewrite: (body: object) => ({ ...body, amount: 1e21 }),
        currency: 'JPY',
      },
      {
        provider: 'fastly' as const,
        rewrite: (body: object) => ({ ...body, monthly_transaction_amount: `9${'0'.repeat(399)}` }),
        currency: 'USD',
      },
    ];
    for (const { provider, rewrite, currency } of cases) {
      const { report, alerts } = await checkOnce(provider, T, { amount: 1000, rewrite });
      const outcome = report.accounts[0]!;
      expect(outcome.status).toBe('error');
      expect(outcome.status === 'error' && outcome.error.message).toMatch(
        new RegExp(`BilledCost .* ${currency} is beyond 10\\^12, no bill's size; not read as a bill`),
      );
      expect(alerts).toEqual([]);
    }
  });

  it.each(PROVIDER_NAMES)(
    '%s: a month whose total is negative is a read error, never "-87.5 %, ok"',
    async (provider) => {
      counted('targeted cases');
      const { report, alerts } = await checkOnce(provider, T, {
        spend: (day) => (day === '2026-11-03' ? -50_000 : 100),
      });
      const outcome = report.accounts[0]!;
      if (provider === 'killbill') {
        // Usage quantities, not a bill: Kill Bill's rolled-up usage has no total to be negative.
        expect(outcome.status).toBe('ok');
      } else {
        expect(outcome.status === 'error' && outcome.error.message).toMatch(
          /BilledCost -.* is negative for the period/,
        );
      }
      expect(alerts).toEqual([]);
    },
  );

  it.each(PROVIDER_NAMES)(
    '%s: an empty month (first minutes, nothing billed) is zero, not an error',
    async (provider) => {
      counted('targeted cases');
      const start = provider === 'soracom' ? '2026-10-31T15:20:00Z' : '2026-11-01T00:20:00Z';
      const { report, alerts } = await checkOnce(provider, new Date(start), { months: [] });
      const outcome = report.accounts[0]!;
      expect(outcome.status, JSON.stringify(outcome)).not.toBe('error');
      if (outcome.status === 'ok') expect(evaluated(report).spent.toFixed()).toBe('0');
      expect(alerts).toEqual([]);
    },
  );

  it('a leap day: 2028-02-29 23:59:59 JST is February (29 days), one second later is March', async () => {
    counted('targeted cases');
    const options = { months: ['2028-02', '2028-03'], amount: 29_000, thresholds: '[{ at: 100% }]' };
    const last = await checkOnce('soracom', new Date('2028-02-29T14:59:59Z'), options);
    expect(last.alerts.map((a) => a.dedupKey)).toEqual(['b/2028-02/actual-100pct']);
    expect(last.alerts[0]!.periodEnd).toBe('2028-02-29T15:00:00.000Z');
    const next = await checkOnce('soracom', new Date('2028-02-29T15:00:00Z'), options);
    expect(evaluated(next.report).periodKey).toBe('2028-03');
    expect(next.alerts).toEqual([]);
  });

  it.each([
    ['America/New_York', '2026-11-01T04:30:00Z', '2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z'],
    ['America/New_York', '2026-03-08T07:30:00Z', '2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z'],
    ['Europe/Berlin', '2026-03-29T01:30:00Z', '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z'],
    ['Europe/Berlin', '2026-10-25T01:30:00Z', '2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z'],
  ])(
    'DST in the account time zone (%s at %s): the local month, forecast and pace',
    async (zone, at, start, end) => {
      counted('targeted cases');
      const { report } = await checkOnce('killbill', new Date(at), {
        fields: `timeZone: ${zone}`,
        months: ['2026-02', '2026-03', '2026-09', '2026-10', '2026-11'],
      });
      const evaluation = evaluated(report);
      expect([evaluation.periodStart.toISOString(), evaluation.periodEnd.toISOString()]).toEqual([
        start,
        end,
      ]);
      expect(evaluation.forecast?.amount.toFixed() ?? 'none').not.toMatch(/NaN|Infinity/);
      // Kill Bill is asked for the local days of the month: the sum of those days, exactly.
      const days = Math.round((Date.parse(at) - Date.parse(start)) / 86_400_000 + 0.5);
      expect(evaluation.spent.gt(0) && evaluation.spent.lte(days * 1000)).toBe(true);
    },
  );

  it.each([
    ['Pacific/Auckland', 'killbill', '2026-11-30T10:59:59Z', '2026-11'],
    ['Pacific/Auckland', 'killbill', '2026-11-30T11:00:00Z', '2026-12'],
    ['Asia/Tokyo', 'soracom', '2026-11-30T14:59:59Z', '2026-11'],
    ['Asia/Tokyo', 'soracom', '2026-11-30T15:00:00Z', '2026-12'],
  ] as const)('a month end ahead of UTC (%s, %s at %s) belongs to %s', async (zone, provider, at, month) => {
    counted('targeted cases');
    const { report, alerts } = await checkOnce(provider, new Date(at), {
      fields: provider === 'killbill' ? `timeZone: ${zone}` : '',
      months: ['2026-11', '2026-12'],
      thresholds: '[{ at: 50% }]',
    });
    expect(evaluated(report).periodKey).toBe(month);
    // November crossed 50 % long ago; December has just begun and has nothing (or one local day) yet.
    expect(alerts.map((a) => a.periodKey)).toEqual(month === '2026-11' ? ['2026-11'] : []);
  });
});
