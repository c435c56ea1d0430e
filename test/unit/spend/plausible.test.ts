import { describe, expect, it } from 'vitest';
import { Money } from '../../../lib/money/index.ts';
import type { PeriodSpend } from '../../../lib/spend/index.ts';
import { implausibleSpend } from '../../../lib/spend/plausible.ts';

const spend = (fields: Partial<PeriodSpend>): PeriodSpend => ({
  provider: 'soracom',
  accountId: 'fleet-jp',
  BillingPeriodStart: new Date('2026-10-31T15:00:00Z'),
  BillingPeriodEnd: new Date('2026-11-30T15:00:00Z'),
  asOf: new Date('2026-11-23T02:00:00Z'),
  lines: [],
  sources: ['GET /bills/latest'],
  ...fields,
});

describe('plausible spend', () => {
  it('takes an ordinary bill, a zero one, negative lines and a usage-only reading', () => {
    expect(implausibleSpend(spend({ BilledCost: Money.of('31260.5', 'JPY') }))).toBeUndefined();
    expect(implausibleSpend(spend({ BilledCost: Money.of(0, 'JPY') }))).toBeUndefined();
    const credit = { ChargeDescription: 'Coupon', BilledCost: Money.of(-500, 'JPY') };
    expect(implausibleSpend(spend({ BilledCost: Money.of(100, 'JPY'), lines: [credit] }))).toBeUndefined();
    expect(implausibleSpend(spend({}))).toBeUndefined();
  });

  it('refuses a negative total and a figure beyond 10^12, naming the field and value', () => {
    expect(implausibleSpend(spend({ BilledCost: Money.of('-87.5', 'USD') }))).toBe(
      "BilledCost -87.5 USD is negative for the period (credits may make lines negative, never the period's total)",
    );
    expect(implausibleSpend(spend({ BilledCost: Money.of(`9${'0'.repeat(399)}`, 'USD') }))).toBe(
      "BilledCost 900000000000…(400 digits) USD is beyond 10^12, no bill's size",
    );
    const daily = [{ date: '2026-11-02', BilledCost: Money.of('2e12', 'JPY') }];
    expect(implausibleSpend(spend({ BilledCost: Money.of(1, 'JPY'), daily }))).toContain(
      'the daily cost of 2026-11-02, 2000000000000 JPY, is beyond 10^12',
    );
  });
});
