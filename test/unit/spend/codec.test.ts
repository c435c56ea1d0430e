import { describe, expect, it } from 'vitest';
import { decimal, Money } from '../../../lib/money/index.ts';
import { periodSpendFromJson } from '../../../lib/spend/codec.ts';
import type { PeriodSpend } from '../../../lib/spend/index.ts';

const spend: PeriodSpend = {
  provider: 'soracom',
  accountId: 'fleet-jp',
  BillingPeriodStart: new Date('2026-10-31T15:00:00Z'),
  BillingPeriodEnd: new Date('2026-11-30T15:00:00Z'),
  asOf: new Date('2026-11-23T02:00:00Z'),
  BillingCurrency: 'JPY' as PeriodSpend['BillingCurrency'],
  BilledCost: Money.of('31260.0018', 'JPY'),
  lines: [
    {
      ChargeDescription: 'Data usage fee',
      ResourceId: '440101234567890',
      Tags: { fleet: 'A' },
      ChargePeriodStart: new Date('2026-11-19T15:00:00Z'),
      ConsumedQuantity: decimal('0.00000001'),
      ConsumedUnit: 'GB',
      BilledCost: Money.of('0.1', 'JPY'),
    },
  ],
  daily: [{ date: '2026-11-20', BilledCost: Money.of('12345.67', 'JPY') }],
  sources: ['GET /bills/latest'],
  missing: [{ part: 'breakdown', endpoint: 'GET /bills/summaries/sims', reason: 'HTTP 403: forbidden' }],
};

describe('spend JSON', () => {
  it('reads back exactly what JSON.stringify wrote: amounts, currencies, instants', () => {
    const back = periodSpendFromJson(JSON.parse(JSON.stringify(spend)));
    expect(back.BilledCost?.toString()).toBe('31260.0018 JPY');
    expect(back.lines[0]?.ConsumedQuantity?.eq(decimal('0.00000001'))).toBe(true);
    expect(back.lines[0]?.ChargePeriodStart).toEqual(spend.lines[0]?.ChargePeriodStart);
    expect(back.daily?.[0]?.BilledCost.toString()).toBe('12345.67 JPY');
    expect(back.missing).toEqual(spend.missing);
    expect(JSON.parse(JSON.stringify(back))).toEqual(JSON.parse(JSON.stringify(spend)));
  });

  it('refuses a damaged record, naming the field', () => {
    const json = JSON.parse(JSON.stringify(spend));
    json.lines[0].BilledCost.amount = '12,5';
    expect(() => periodSpendFromJson(json)).toThrow(/lines.*BilledCost.*amount|decimal/s);
    expect(() => periodSpendFromJson({ ...JSON.parse(JSON.stringify(spend)), asOf: 'yesterday' })).toThrow(
      /asOf/,
    );
  });
});
