import { describe, expect, it } from 'vitest';
import { buildAlert } from '../../../lib/alerts/build.ts';
import { findAnomalies } from '../../../lib/budgets/anomaly.ts';
import { type Budget, figureParts, parseThreshold } from '../../../lib/budgets/budget.ts';
import { evaluateBudget } from '../../../lib/budgets/evaluate.ts';
import { forecastPeriodEnd } from '../../../lib/budgets/forecast.ts';
import type { DailyPoint } from '../../../lib/budgets/series.ts';
import type { AccountSpend } from '../../../lib/budgets/status.ts';
import { currencyCode, decimal, ExchangeRates, Money } from '../../../lib/money/index.ts';
import type { PeriodSpend } from '../../../lib/spend/index.ts';
import { monthlyPeriod } from '../../../lib/time/period.ts';

const NOV = monthlyPeriod(new Date('2026-11-15T00:00:00Z'), 'UTC');
const noRates = new ExchangeRates();

function budget(overrides: Partial<Budget> = {}): Budget {
  const amount = decimal(overrides.amount ?? 3000);
  return {
    name: 'cdn',
    accountIds: ['acct'],
    measure: 'cost',
    measureUnit: 'USD',
    amount,
    scope: {},
    thresholds: [
      parseThreshold('80%', 'actual', 'warning', amount),
      parseThreshold('100%', 'forecast', 'critical', amount),
    ],
    forecastMinDays: 3,
    staleAfterHours: 24,
    notifyBackUnder: true,
    ...overrides,
  };
}

function days(amounts: number[], currency = 'USD'): { date: string; BilledCost: Money }[] {
  return amounts.map((amount, i) => ({
    date: `2026-11-${String(i + 1).padStart(2, '0')}`,
    BilledCost: Money.of(amount, currency),
  }));
}

function spend(spend: Partial<PeriodSpend>, currency = 'USD'): AccountSpend {
  const daily = spend.daily;
  const total = daily
    ? Money.sum(
        daily.map((d) => d.BilledCost),
        currency,
      )
    : Money.zero(currency);
  return {
    accountId: 'acct',
    provider: 'fastly',
    timeZone: 'UTC',
    spend: {
      provider: 'fastly',
      accountId: 'acct',
      BillingPeriodStart: NOV.start,
      BillingPeriodEnd: NOV.end,
      asOf: new Date('2026-11-20T12:00:00Z'),
      BillingCurrency: currencyCode(currency),
      BilledCost: total,
      lines: [],
      sources: [],
      ...spend,
    },
  };
}

const point = (date: string, amount: number): DailyPoint => ({ date, amount: decimal(amount) });

describe('evaluateBudget', () => {
  it('crosses an actual threshold at exactly its level (spend ≥ threshold)', () => {
    const at = spend({ BilledCost: Money.of('2400.00', 'USD') });
    const status = evaluateBudget(budget(), [at], noRates, new Date('2026-11-20T12:00:00Z'));
    expect(status.crossings.map((c) => c.id)).toContain('actual-80pct');
    expect(status.percent.toFixed(1)).toBe('80.0');
    const below = evaluateBudget(
      budget(),
      [spend({ BilledCost: Money.of('2399.99', 'USD') })],
      noRates,
      new Date('2026-11-20T12:00:00Z'),
    );
    expect(below.crossings.map((c) => c.id)).not.toContain('actual-80pct');
    expect(below.pending[0]).toMatchObject({ id: 'actual-80pct' });
  });

  it('forecasts from the daily run rate and says how', () => {
    // 19 full days at 100 + today's partial 40, as of Nov 20 12:00: 10.5 days left at 100/day.
    const daily = [...days(Array(19).fill(100)), { date: '2026-11-20', BilledCost: Money.of(40, 'USD') }];
    const status = evaluateBudget(budget(), [spend({ daily })], noRates, new Date('2026-11-20T13:00:00Z'));
    expect(status.spent.toFixed()).toBe('1940');
    expect(status.forecast?.method).toBe('daily-run-rate');
    expect(status.forecast?.amount.toFixed()).toBe('2990');
    expect(status.forecast?.inputs).toBe(
      '1940 USD spent + 10.5 days left × 100 USD/day (median of the last 7 full days)',
    );
    expect(status.crossings.map((c) => c.id)).not.toContain('forecast-100pct');
  });

  it('does not let one runaway day inflate the forecast', () => {
    const daily = days([
      100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 2000, 100, 100, 100, 100, 100,
    ]);
    const fiveThousand = budget({
      amount: decimal(5000),
      thresholds: [parseThreshold('100%', 'forecast', 'critical', decimal(5000))],
    });
    const status = evaluateBudget(
      fiveThousand,
      [spend({ daily })],
      noRates,
      new Date('2026-11-20T12:00:00Z'),
    );
    // 3800 spent + 10.5 days × 100 (median of the last 7 days; their mean, 371, would project 7700).
    expect(status.forecast?.amount.toFixed()).toBe('4850');
    expect(status.crossings).toEqual([]);
  });

  it('does not forecast before the minimum days of data, nor from a stale figure', () => {
    const early = spend({ daily: days([900, 900]), asOf: new Date('2026-11-02T12:00:00Z') });
    expect(
      evaluateBudget(budget(), [early], noRates, new Date('2026-11-02T12:00:00Z')).forecast,
    ).toBeUndefined();
    const stale = spend({ daily: days(Array(10).fill(400)), asOf: new Date('2026-11-10T12:00:00Z') });
    const status = evaluateBudget(budget(), [stale], noRates, new Date('2026-11-12T12:00:00Z'));
    expect(status.stale).toBe(true);
    expect(status.forecast).toBeUndefined();
    expect(status.crossings.map((c) => c.id)).toEqual(['actual-80pct']); // actual spend only grows: still true
  });

  it('converts a group budget across currencies with a configured rate, or says which rate is missing', () => {
    const rates = new ExchangeRates([
      { from: currencyCode('USD'), to: currencyCode('JPY'), rate: decimal(150) },
    ]);
    const jpy = { ...spend({ BilledCost: Money.of(15000, 'JPY') }, 'JPY'), accountId: 'jp' };
    const usd = { ...spend({ BilledCost: Money.of(100, 'USD') }), accountId: 'us' };
    const group = budget({ measureUnit: 'JPY', amount: decimal(30000), accountIds: ['jp', 'us'] });
    const status = evaluateBudget(group, [jpy, usd], rates, new Date('2026-11-20T12:00:00Z'));
    expect(status.spent.toFixed()).toBe('30000');
    expect(status.contributors.map((c) => [c.kind, c.name, c.share])).toEqual([
      ['account', 'jp', '50.0'],
      ['account', 'us', '50.0'],
    ]);
    expect(() => evaluateBudget(group, [jpy, usd], noRates, new Date())).toThrow(
      /add a rate \{from: USD, to: JPY/,
    );
  });

  it('narrows to a scope by glob and names the top contributors', () => {
    const lines = [
      { ServiceName: 'Workers Standard', BilledCost: Money.of('12.5', 'USD') },
      { ServiceName: 'Workers KV', BilledCost: Money.of('7.5', 'USD') },
      { ServiceName: 'R2 Storage', BilledCost: Money.of('80', 'USD') },
    ];
    const scoped = budget({ scope: { services: ['Workers*'] }, amount: decimal(25) });
    const status = evaluateBudget(
      scoped,
      [spend({ BilledCost: Money.of(100, 'USD'), lines })],
      noRates,
      new Date('2026-11-20T12:00:00Z'),
    );
    expect(status.spent.toFixed()).toBe('20');
    expect(status.contributors.map((c) => `${c.name} ${c.share}%`)).toEqual([
      'Workers Standard 62.5%',
      'Workers KV 37.5%',
    ]);
  });

  it('budgets usage quantities by unit', () => {
    const usage = budget({
      measure: 'usage',
      measureUnit: 'api-calls',
      amount: decimal(10_000_000),
      thresholds: [parseThreshold('90%', 'actual', 'warning', decimal(10_000_000))],
    });
    const lines = [
      { ResourceId: 'sub-1', ConsumedUnit: 'api-calls', ConsumedQuantity: decimal(6_000_000) },
      { ResourceId: 'sub-2', ConsumedUnit: 'api-calls', ConsumedQuantity: decimal(3_500_000) },
      { ResourceId: 'sub-2', ConsumedUnit: 'storage-gb', ConsumedQuantity: decimal(99) },
    ];
    const status = evaluateBudget(
      usage,
      [spend({ BilledCost: undefined, lines })],
      noRates,
      new Date('2026-11-20T12:00:00Z'),
    );
    expect(status.spent.toFixed()).toBe('9500000');
    expect(status.crossings.map((c) => c.id)).toEqual(['actual-90pct']);
  });

  it('fires pace thresholds only when spend runs ahead of a straight line', () => {
    const pace = budget({ thresholds: [parseThreshold('25%', 'pace', 'warning', decimal(3000))] });
    // Half the month gone, straight line expects 1500.
    const mid = new Date('2026-11-16T00:00:00Z');
    const ahead = evaluateBudget(
      pace,
      [spend({ BilledCost: Money.of(1900, 'USD'), asOf: mid })],
      noRates,
      mid,
    );
    expect(ahead.pace?.aheadPercent.toFixed(1)).toBe('26.7');
    expect(ahead.crossings).toHaveLength(1);
    const onTrack = evaluateBudget(
      pace,
      [spend({ BilledCost: Money.of(1600, 'USD'), asOf: mid })],
      noRates,
      mid,
    );
    expect(onTrack.crossings).toHaveLength(0);
  });
});

describe('forecastPeriodEnd', () => {
  it('projects in a straight line without a daily series', () => {
    const f = forecastPeriodEnd({
      spent: decimal(1000),
      unit: 'USD',
      periodStart: NOV.start,
      periodEnd: NOV.end,
      asOf: new Date('2026-11-11T00:00:00Z'),
      asOfDate: '2026-11-11',
      minDays: 3,
    });
    expect(f?.method).toBe('elapsed-linear');
    expect(f?.amount.toFixed()).toBe('3000');
  });

  it('never projects below spend to date: days of credits, a figure dated after the period', () => {
    const base = {
      spent: decimal(1000),
      unit: 'USD',
      periodStart: NOV.start,
      periodEnd: NOV.end,
      minDays: 3,
    };
    const credits = forecastPeriodEnd({
      ...base,
      asOf: new Date('2026-11-11T00:00:00Z'),
      asOfDate: '2026-11-11',
      daily: [-50, -40, -60, -30, -20].map((v, i) => point(`2026-11-0${i + 1}`, v)),
    });
    expect(credits?.amount.toFixed()).toBe('1000');
    const late = forecastPeriodEnd({
      ...base,
      asOf: new Date('2026-12-02T00:00:00Z'),
      asOfDate: '2026-12-02',
    });
    expect(late?.amount.toFixed()).toBe('1000');
  });
});

describe('fixed charges (a Kill Bill plan fee) in forecasts and pace', () => {
  // $500 recurring, billed whole at the start; $600 of usage-based charges in the first 12 of 30 days.
  const lines = [
    {
      ChargeDescription: 'RECURRING platform',
      ChargeFrequency: 'Recurring' as const,
      BilledCost: Money.of(500, 'USD'),
    },
    {
      ChargeDescription: 'USAGE api-calls tier 1',
      ChargeFrequency: 'Usage-Based' as const,
      BilledCost: Money.of(400, 'USD'),
    },
    {
      ChargeDescription: 'USAGE api-calls tier 2',
      ChargeFrequency: 'Usage-Based' as const,
      BilledCost: Money.of(200, 'USD'),
    },
  ];
  const asOf = new Date('2026-11-13T00:00:00Z');
  const invoice = spend({ BilledCost: Money.of(1100, 'USD'), lines, asOf });
  const watch = budget({
    amount: decimal(2500),
    thresholds: [
      parseThreshold('100%', 'forecast', 'warning', decimal(2500)),
      parseThreshold('10%', 'pace', 'warning', decimal(2500)),
    ],
  });

  it('projects only the usage-based part and says so in the method', () => {
    const status = evaluateBudget(watch, [invoice], noRates, asOf);
    // 500 + 600 × 30/12 = 2000 (a straight line over all of it would say 1100 × 30/12 = 2750).
    expect(status.forecast?.amount.toFixed()).toBe('2000');
    expect(status.forecast?.method).toBe('fixed-plus-usage-linear');
    expect(status.forecast?.inputs).toBe(
      '500 USD fixed charges (recurring and one-time: not projected) + 600 USD usage-based in 12.0 of 30 days, projected in a straight line',
    );
    expect(status.crossings.map((c) => c.id)).toEqual([]);
  });

  it('counts the fixed part as due from the start of the pace', () => {
    const status = evaluateBudget(watch, [invoice], noRates, asOf);
    // 500 + (2500 − 500) × 12/30 = 1300 expected by now; 1100 is 15.4 % behind.
    expect(status.pace?.expected.toFixed()).toBe('1300');
    expect(status.pace?.aheadPercent.toFixed(1)).toBe('-15.4');
    const scoped = evaluateBudget(
      budget({ ...watch, scope: { items: ['USAGE*'] } }),
      [invoice],
      noRates,
      asOf,
    );
    // Only usage in scope: nothing fixed, 600 × 30/12.
    expect(scoped.forecast?.amount.toFixed()).toBe('1500');
    expect(scoped.pace?.expected.toFixed()).toBe('1000');
  });

  it('keeps the straight line for readings whose lines do not say', () => {
    const plain = spend({
      BilledCost: Money.of(1100, 'USD'),
      asOf,
      lines: [{ BilledCost: Money.of(1100, 'USD') }],
    });
    const status = evaluateBudget(watch, [plain], noRates, asOf);
    expect(status.forecast?.method).toBe('elapsed-linear');
    expect(status.forecast?.amount.toFixed()).toBe('2750');
  });
});

describe('findAnomalies', () => {
  const rule = { lookbackDays: 14, sensitivity: 5, minAmount: decimal(50), severity: 'warning' as const };

  it('flags a spike day', () => {
    const series = [100, 104, 97, 101, 99, 103, 98, 650, 102].map((v, i) =>
      point(`2026-11-${String(i + 1).padStart(2, '0')}`, v),
    );
    const found = findAnomalies(series, rule);
    expect(found.map((f) => f.date)).toEqual(['2026-11-08']);
    expect(found[0]?.baseline.toFixed()).toBe('100');
  });

  it('stays quiet on a smooth ramp and on small absolute bumps', () => {
    const ramp = Array.from({ length: 30 }, (_, i) =>
      point(`2026-11-${String(i + 1).padStart(2, '0')}`, 100 + i * 8),
    );
    expect(findAnomalies(ramp, rule)).toEqual([]);
    const tiny = [1, 1, 1, 1, 1, 1, 40].map((v, i) => point(`2026-11-0${i + 1}`, v));
    expect(findAnomalies(tiny, rule)).toEqual([]); // 39 above a flat median, but under minAmount 50
  });
});

describe('buildAlert', () => {
  it('carries everything a person and a subscriber need', () => {
    const status = evaluateBudget(
      budget(),
      [spend({ BilledCost: Money.of('2500', 'USD') })],
      noRates,
      new Date('2026-11-20T12:00:00Z'),
    );
    const alert = buildAlert(status, status.crossings[0]!, new Date('2026-11-20T12:05:00Z'));
    expect(alert).toMatchObject({
      dedupKey: 'cdn/2026-11/actual-80pct',
      budget: 'cdn',
      account: 'acct',
      provider: 'fastly',
      threshold: '80%',
      basis: 'actual',
      spent: '2500',
      budgetAmount: '3000',
      currency: 'USD',
      percent: '83.3',
      periodStart: '2026-11-01T00:00:00.000Z',
      periodEnd: '2026-12-01T00:00:00.000Z',
      asOf: '2026-11-20T12:00:00.000Z',
    });
    expect(alert.headline).toBe('cdn has spent $2,500.00 of $3,000.00 (83.3%), crossing its 80% threshold');
  });
});

describe('per-resource budgets', () => {
  const sims = [
    {
      ResourceId: '440100000000001',
      Tags: { fleet: 'A' },
      BilledCost: Money.of(1240, 'JPY'),
      ChargeDescription: 'Data',
    },
    { ResourceId: '440100000000002', Tags: { fleet: 'A' }, BilledCost: Money.of(300, 'JPY') },
    { ResourceId: '440100000000003', Tags: { fleet: 'B' }, BilledCost: Money.of(5000, 'JPY') },
  ];
  const yen = (amount: number) => decimal(amount);
  const perSim = (overrides: Partial<Budget> = {}) =>
    budget({
      measureUnit: 'JPY',
      amount: yen(1000),
      perResource: { window: 'period' },
      thresholds: [parseThreshold('100%', 'actual', 'critical', yen(1000))],
      ...overrides,
    });
  const account = spend({ BilledCost: Money.of(20000, 'JPY'), lines: sims }, 'JPY');

  it('alerts each resource over its own budget, naming its tags and share of the bill', () => {
    const status = evaluateBudget(perSim(), [account], noRates, new Date('2026-11-20T12:00:00Z'));
    expect(status.crossings.map((c) => c.id)).toEqual([
      'actual-100pct.440100000000003',
      'actual-100pct.440100000000001',
    ]);
    const alert = buildAlert(status, status.crossings[1]!, new Date('2026-11-20T12:00:00Z'));
    expect(alert).toMatchObject({
      spent: '1240',
      percent: '124.0',
      dedupKey: 'cdn/2026-11/actual-100pct.440100000000001',
    });
    expect(alert.headline).toBe(
      'cdn: 440100000000001 (fleet=A) spent ¥1,240 this period, over the 100% per-resource budget of ¥1,000; 6.2% of the whole bill',
    );
    expect(alert.contributors).toEqual([
      { kind: 'resource', name: '440100000000001', cost: '1240', share: '100.0', tags: { fleet: 'A' } },
    ]);
    expect(alert.details).toContain('440100000000001 is 6.2% of the whole bill (¥20,000)');
  });

  it('narrows to resources carrying a tag value', () => {
    const fleetA = perSim({ scope: { tags: { fleet: 'A' } } });
    const status = evaluateBudget(fleetA, [account], noRates, new Date('2026-11-20T12:00:00Z'));
    expect(status.crossings.map((c) => c.resource?.id)).toEqual(['440100000000001']);
    expect(status.largestResourceSpend?.toFixed()).toBe('1240'); // the highest resource in scope
    expect(status.spent.toFixed()).toBe('1540'); // everything in scope
  });

  it('holds each resource to a daily limit with window: day', () => {
    const day = (d: string) => ({
      ChargePeriodStart: new Date(`2026-11-${d}T00:00:00Z`),
      ChargePeriodEnd: new Date(`2026-11-${Number(d) + 1}T00:00:00Z`),
    });
    const lines = [
      { ResourceId: 'sim-1', BilledCost: Money.of('1.5', 'USD'), ...day('18') },
      { ResourceId: 'sim-1', BilledCost: Money.of('2.25', 'USD'), ...day('19') },
      { ResourceId: 'sim-2', BilledCost: Money.of('1.99', 'USD'), ...day('19') },
    ];
    const daily = budget({
      amount: decimal(2),
      perResource: { window: 'day' },
      thresholds: [parseThreshold('2', 'actual', 'warning', decimal(2))],
    });
    const status = evaluateBudget(
      daily,
      [spend({ BilledCost: Money.of(10, 'USD'), lines })],
      noRates,
      new Date('2026-11-20T12:00:00Z'),
    );
    expect(status.crossings.map((c) => c.id)).toEqual(['actual-2.sim-1.2026-11-19']);
  });

  describe("resources held to their own amounts (each customer's cap)", () => {
    const customer = (id: string, name: string, amount: string, cap?: string) => ({
      ResourceId: id,
      ResourceName: name,
      ResourceType: 'customer',
      ...(cap !== undefined && { Tags: { 'spendwatch-cap': cap } }),
      BilledCost: Money.of(amount, 'USD'),
    });
    const lines = [
      // 1700 of a 2000 cap is 85 %: over 80 %, though far under the budget's 5000.
      customer('acme', 'Acme Retail', '1700', '2000'),
      // 4100 of the budget's 5000 is 82 %: over 80 %.
      customer('globex', 'Globex', '4100'),
      // 2400 of 3000 set in the config is 80 %, exactly on the line; its tag says 2000 but the config wins.
      customer('initech', 'Initech', '2400', '2000'),
      // 900 of 1200 is 75 %: under.
      customer('hooli', 'Hooli', '900', ' 1200 '),
    ];
    const caps = (overrides: Partial<Budget> = {}) =>
      budget({
        amount: decimal(5000),
        perResource: {
          window: 'period',
          amountTag: 'spendwatch-cap',
          amounts: new Map([['initech', decimal(3000)]]),
        },
        thresholds: [parseThreshold('80%', 'actual', 'warning', decimal(5000))],
        ...overrides,
      });
    const now = new Date('2026-11-20T12:00:00Z');
    const bill = spend({ BilledCost: Money.of('9100', 'USD'), lines });

    it('takes the config’s amount, then the tag’s, then the budget’s, and alerts each over its own', () => {
      const status = evaluateBudget(caps(), [bill], noRates, now);
      expect(
        status.crossings.map((c) => [c.id, c.resource?.amount.toFixed(), c.resource?.amountFrom]),
      ).toEqual([
        ['actual-80pct.globex', '5000', 'budget'],
        ['actual-80pct.initech', '3000', 'config'],
        ['actual-80pct.acme', '2000', 'tag'],
      ]);
      // Held against the customer furthest into its own amount: Acme at 85 %.
      expect(status.largestResourceSpend?.toFixed()).toBe('1700');
      expect(status.percent.toFixed(1)).toBe('85.0');
      const acme = buildAlert(status, status.crossings[2]!, now);
      expect(acme).toMatchObject({
        spent: '1700',
        budgetAmount: '2000',
        percent: '85.0',
        resource: { id: 'acme', name: 'Acme Retail', type: 'customer' },
      });
      expect(acme.headline).toBe(
        'cdn: Acme Retail (acme) (spendwatch-cap=2000) spent $1,700.00 this period, over the 80% per-resource budget of $2,000.00 (its spendwatch-cap); 18.7% of the whole bill',
      );
      expect(buildAlert(status, status.crossings[1]!, now).headline).toContain(
        'over the 80% per-resource budget of $3,000.00 (set for it in the config)',
      );
    });

    it('refuses a tag that holds no amount, naming the resource and the value', () => {
      const typo = spend({
        BilledCost: Money.of('1700', 'USD'),
        lines: [customer('acme', 'Acme Retail', '1700', '2,000')],
      });
      expect(() => evaluateBudget(caps(), [typo], noRates, now)).toThrow(
        'budget "cdn": Acme Retail (acme) has spendwatch-cap "2,000", which is not an amount above zero',
      );
      // An empty field states no amount: the budget's holds.
      const blank = spend({
        BilledCost: Money.of('4500', 'USD'),
        lines: [customer('acme', 'Acme Retail', '4500', '')],
      });
      const status = evaluateBudget(caps(), [blank], noRates, now);
      expect(status.crossings.map((c) => c.resource?.amount.toFixed())).toEqual(['5000']);
    });
  });
});

describe('per-resource series', () => {
  const day = (d: number) => new Date(`2026-11-${String(d).padStart(2, '0')}T00:00:00Z`);
  const lines = [
    ...[1, 2, 3].map((d) => ({
      ResourceId: 'sim-1',
      BilledCost: Money.of(d === 2 ? 9 : 1, 'USD'),
      ChargePeriodStart: day(d),
    })),
    { ResourceId: 'sim-1', BilledCost: Money.of('0.5', 'USD') },
    ...[1, 2, 3].map((d) => ({
      ResourceId: `sim-${d + 1}`,
      BilledCost: Money.of(d, 'USD'),
      ChargePeriodStart: day(d),
    })),
    { ResourceId: 'sim-9', BilledCost: Money.of(4, 'USD') },
  ];
  const evaluateEach = (window: 'period' | 'day') =>
    evaluateBudget(
      budget({
        amount: decimal(5),
        perResource: { window },
        thresholds: [parseThreshold('100%', 'actual', 'critical', decimal(5))],
      }),
      [spend({ BilledCost: Money.of(30, 'USD'), lines })],
      noRates,
      new Date('2026-11-20T12:00:00Z'),
    );

  it('keeps the three largest resources with their days in order and what no day carries', () => {
    const series = evaluateEach('period').resourceSeries!;
    expect(series.map((s) => [s.id, s.value.toFixed()])).toEqual([
      ['sim-1', '11.5'],
      ['sim-9', '4'],
      ['sim-4', '3'],
    ]);
    expect(series[0]!.days.map((d) => [d.date, d.amount.toFixed()])).toEqual([
      ['2026-11-01', '1'],
      ['2026-11-02', '9'],
      ['2026-11-03', '1'],
    ]);
    expect(series[0]!.undated.toFixed()).toBe('0.5');
    expect(series[1]!.days).toEqual([]);
  });

  it("ranks a daily window by each resource's largest day", () => {
    const status = evaluateEach('day');
    expect(status.resourceSeries!.map((s) => [s.id, s.value.toFixed()])).toEqual([
      ['sim-1', '9'],
      ['sim-4', '3'],
      ['sim-3', '2'],
    ]);
    expect(status.crossings.map((c) => c.id)).toEqual(['actual-100pct.sim-1.2026-11-02']);
  });
});

describe('budgets over partial readings', () => {
  it('names the reading parts a budget is computed from', () => {
    expect(figureParts(budget())).toEqual(['resources']);
    expect(figureParts(budget({ scope: { services: ['Data*'] } }))).toEqual(['breakdown', 'resources']);
    expect(figureParts(budget({ perResource: { window: 'day' } }))).toEqual(['breakdown', 'resourceDays']);
    expect(figureParts(budget({ measure: 'usage', measureUnit: 'api-calls' }))).toEqual(['usage']);
  });

  it('says in the alert which part the reading lacks and what that costs', () => {
    const partial = spend({
      BilledCost: Money.of('2500', 'USD'),
      missing: [
        { part: 'breakdown', endpoint: 'GET /billing/v3/service-usage-metrics', reason: 'HTTP 500: down' },
      ],
    });
    const now = new Date('2026-11-20T12:00:00Z');
    const status = evaluateBudget(budget(), [partial], noRates, now);
    const alert = buildAlert(status, status.crossings[0]!, now);
    expect(alert.details).toContain(
      'Partial reading of acct: no breakdown (GET /billing/v3/service-usage-metrics: HTTP 500: down); contributors may be missing',
    );
  });
});

describe('a budget that cannot be evaluated says why', () => {
  const now = new Date('2026-11-20T12:00:00Z');
  const lines = [
    { ServiceName: 'Data usage fee', BilledCost: Money.of(100, 'USD') },
    { ServiceName: 'Basic fee', BilledCost: Money.of(20, 'USD') },
  ];

  it('a scope that selects none of the lines a reading has, naming what the reading holds', () => {
    const typo = budget({ scope: { services: ['Workers*'] } });
    expect(() =>
      evaluateBudget(typo, [spend({ BilledCost: Money.of(120, 'USD'), lines })], noRates, now),
    ).toThrow(
      'budget "cdn": it selects none of the 2 lines its accounts report: services Workers* (seen: Data usage fee, Basic fee); check the spelling',
    );
  });

  it('but a scope over a reading without lines yet is an empty month, zero and fine', () => {
    const scoped = budget({ scope: { services: ['Data*'] } });
    const status = evaluateBudget(scoped, [spend({ BilledCost: Money.of(0, 'USD') })], noRates, now);
    expect(status.spent.toFixed()).toBe('0');
  });

  it("a currency without a rate to the account's", () => {
    const yen = budget({ measureUnit: 'JPY' });
    expect(() => evaluateBudget(yen, [spend({ BilledCost: Money.of(120, 'USD') })], noRates, now)).toThrow(
      'the account bills in USD but the budget is in JPY; add a rate',
    );
  });
});
