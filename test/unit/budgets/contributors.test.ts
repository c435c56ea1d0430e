import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseThreshold } from '../../../lib/budgets/budget.ts';
import { percentShares } from '../../../lib/budgets/contributors.ts';
import { evaluateBudget } from '../../../lib/budgets/evaluate.ts';
import { currencyCode, decimal, ExchangeRates, Money } from '../../../lib/money/index.ts';
import type { SpendLine } from '../../../lib/spend/index.ts';
import { monthlyPeriod } from '../../../lib/time/period.ts';
import { japanAccountSpend } from '../../support/account-spend.ts';

const NOV = monthlyPeriod(new Date('2026-11-15T00:00:00Z'), 'Asia/Tokyo');
const NOW = new Date('2026-11-23T03:00:00Z');

/** A Soracom-like reading: three bill items and eight SIMs, each kind adding up to the bill. */
const ITEMS: SpendLine[] = [
  { ChargeDescription: 'Data usage fee', BilledCost: Money.of(15_321, 'JPY') },
  { ChargeDescription: 'Basic fee', BilledCost: Money.of(5_400, 'JPY') },
  { ChargeDescription: 'SMS fee', BilledCost: Money.of(1_500, 'JPY') },
];
const SIMS: SpendLine[] = [6240, 3001, 3000, 2999, 2000, 1981, 1500, 1500].map((amount, i) => ({
  ResourceId: `44010312538000${i + 1}`,
  BilledCost: Money.of(amount, 'JPY'),
}));

function evaluate(each?: 'resource') {
  const amount = decimal(each ? 5000 : 30000);
  return evaluateBudget(
    {
      name: 'fleet',
      accountIds: ['jp'],
      measure: 'cost',
      measureUnit: 'JPY',
      amount,
      scope: {},
      ...(each && { perResource: { window: 'period' as const } }),
      thresholds: [parseThreshold('100%', 'actual', 'critical', amount)],
      forecastMinDays: 3,
      staleAfterHours: 24,
      notifyBackUnder: false,
    },
    [
      japanAccountSpend({
        BillingPeriodStart: NOV.start,
        BillingPeriodEnd: NOV.end,
        asOf: NOW,
        BillingCurrency: currencyCode('JPY'),
        BilledCost: Money.of(22_221, 'JPY'),
        lines: [...ITEMS, ...SIMS],
      }),
    ],
    new ExchangeRates(),
    NOW,
  );
}

const sum = (shares: string[]) => shares.reduce((total, s) => total.plus(s), decimal(0)).toFixed(1);

describe('contributors by kind', () => {
  it('groups by kind, the largest five then the rest, shares of the kind adding up to 100.0', () => {
    const groups = evaluate().contributorsByKind;
    expect(groups.map((g) => [g.kind, g.total])).toEqual([
      ['item', '22221'],
      ['resource', '22221'],
    ]);
    const [items, resources] = groups;
    expect(items!.listed.map((c) => [c.name, c.share])).toEqual([
      ['Data usage fee', '68.9'],
      ['Basic fee', '24.3'],
      ['SMS fee', '6.8'],
    ]);
    expect(items!.rest).toBeUndefined();
    expect(resources!.listed.map((c) => c.share)).toEqual(['28.1', '13.5', '13.5', '13.5', '9.0']);
    expect(resources!.rest).toEqual({ count: 3, cost: '4981', share: '22.4' });
    for (const group of groups)
      expect(sum([...group.listed.map((c) => c.share), ...(group.rest ? [group.rest.share] : [])])).toBe(
        '100.0',
      );
  });

  it('a per-resource budget has resources only, in its alerts too', () => {
    const status = evaluate('resource');
    expect(status.contributorsByKind.map((g) => g.kind)).toEqual(['resource']);
    expect(status.contributors.every((c) => c.kind === 'resource')).toBe(true);
  });

  it('an alert keeps the largest of any kind with shares of the spend', () => {
    expect(evaluate().contributors.map((c) => [c.kind, c.share])).toEqual([
      ['item', '68.9'],
      ['resource', '28.1'],
      ['item', '24.3'],
      ['resource', '13.5'],
      ['resource', '13.5'],
    ]);
  });
});

describe('percent shares', () => {
  it('add up to exactly 100.0, each within a tenth of its exact share', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -500, max: 100_000 }), { minLength: 1, maxLength: 12 }),
        (values) => {
          const amounts = values.map((v) => decimal(v).div(100));
          const total = amounts.reduce((t, v) => t.plus(v), decimal(0));
          const shares = percentShares(amounts);
          if (total.lte(0)) return shares.every((s) => s === '0.0');
          expect(sum(shares)).toBe('100.0');
          shares.forEach((share, i) => {
            const exact = amounts[i]!.times(100).div(total);
            expect(decimal(share).minus(exact).abs().lt('0.1')).toBe(true);
          });
          return true;
        },
      ),
    );
  });

  it('gives the left-over tenths to the largest remainders: thirds are 33.4, 33.3, 33.3', () => {
    expect(percentShares([1, 1, 1].map((v) => decimal(v)))).toEqual(['33.4', '33.3', '33.3']);
    expect(percentShares([decimal(0), decimal(0)])).toEqual(['0.0', '0.0']);
  });
});
