/**
 * The tolerant reader of Cloudflare's usage, usage info and billing profile: what a record needs
 * (its cost and ChargePeriodStart), and each other field's fallback when it is absent, null, oddly
 * typed, an unknown enum value, or joined by fields no contract has.
 */
import { describe, expect, it } from 'vitest';
import {
  BillingProfileResponse,
  Envelope,
  UNKNOWN_SERVICE,
  UsageInfoResponse,
  UsageRecordV1,
  UsageRecordV2,
  UsageResponseV1,
} from '../../../../lib/providers/cloudflare/schemas.ts';

const START = '2026-11-15T00:00:00Z';
const minimalV1 = { ContractedCost: 0.75, ChargePeriodStart: START };

describe('a v1 usage record', () => {
  it('needs only ContractedCost and ChargePeriodStart; the day ends a day later', () => {
    expect(UsageRecordV1.parse(minimalV1)).toEqual({
      ChargePeriodStart: new Date(START),
      ChargePeriodEnd: new Date('2026-11-16T00:00:00Z'),
      BillingCurrency: undefined,
      cost: 0.75,
      ServiceName: UNKNOWN_SERVICE,
      ChargeDescription: undefined,
      ZoneId: undefined,
      ZoneName: undefined,
      ConsumedQuantity: undefined,
      ConsumedUnit: undefined,
    });
  });

  it('names its service by ServiceName, else ServiceFamilyName, else ChargeDescription', () => {
    const named = (fields: Record<string, unknown>) =>
      UsageRecordV1.parse({ ...minimalV1, ...fields }).ServiceName;
    expect(named({ ServiceName: 'Workers Standard', ServiceFamilyName: 'Workers' })).toBe('Workers Standard');
    expect(named({ ServiceName: '', ServiceFamilyName: 'Workers' })).toBe('Workers');
    expect(named({ ServiceName: null, ChargeDescription: 'Workers Standard usage measured in Count' })).toBe(
      'Workers Standard usage measured in Count',
    );
  });

  it('reads fields it does not need as absent when they are null or oddly typed', () => {
    const row = UsageRecordV1.parse({
      ...minimalV1,
      ChargePeriodEnd: 'tomorrow',
      ServiceName: 42,
      ZoneId: null,
      ZoneName: { name: 'example.com' },
      ConsumedQuantity: '150000',
      ConsumedUnit: '',
      ChargeDescription: null,
      // The SDK says number; the old schema wanted integers.
      PricingQuantity: 1.5,
      CumulatedPricingQuantity: null,
    });
    expect(row).toMatchObject({
      ChargePeriodEnd: new Date('2026-11-16T00:00:00Z'),
      ServiceName: UNKNOWN_SERVICE,
      ZoneId: undefined,
      ZoneName: undefined,
      ConsumedQuantity: undefined,
      ConsumedUnit: undefined,
    });
  });

  it('ignores unknown enum values and fields no contract has', () => {
    const row = UsageRecordV1.parse({
      ...minimalV1,
      ChargeCategory: 'Purchase',
      ChargeClass: 'Correction',
      x_NewColumn: { nested: [1] },
    });
    expect(row.cost).toBe(0.75);
    expect(row).not.toHaveProperty('x_NewColumn');
  });

  it('breaks on what the figure needs: the cost, the charge period start, a currency that is not one', () => {
    const problem = (record: unknown) => UsageRecordV1.safeParse(record).error?.issues[0]?.path.join('.');
    expect(problem({ ChargePeriodStart: START })).toBe('ContractedCost');
    expect(problem({ ...minimalV1, ContractedCost: '0.75' })).toBe('ContractedCost');
    expect(problem({ ContractedCost: 1 })).toBe('ChargePeriodStart');
    expect(problem({ ...minimalV1, ChargePeriodStart: '15/11/2026' })).toBe('ChargePeriodStart');
    expect(problem({ ...minimalV1, BillingCurrency: 'ZZZ' })).toBe('BillingCurrency');
    expect(UsageRecordV1.parse({ ...minimalV1, BillingCurrency: null }).BillingCurrency).toBeUndefined();
    expect(UsageRecordV1.parse({ ...minimalV1, BillingCurrency: 'EUR' }).BillingCurrency).toBe('EUR');
  });
});

describe('a FOCUS v2 usage record', () => {
  const minimalV2 = {
    ChargePeriodStart: START,
    ChargeDescription: 'Workers Standard usage measured in Count',
  };

  it('has no cost while Cloudflare has not populated it, absent or null', () => {
    expect(UsageRecordV2.parse(minimalV2).cost).toBeUndefined();
    expect(
      UsageRecordV2.parse({ ...minimalV2, BilledCost: null, ContractedCost: null }).cost,
    ).toBeUndefined();
  });

  it('costs BilledCost, else ContractedCost', () => {
    expect(UsageRecordV2.parse({ ...minimalV2, BilledCost: 0.5, ContractedCost: 0.75 }).cost).toBe(0.5);
    expect(UsageRecordV2.parse({ ...minimalV2, BilledCost: null, ContractedCost: 0.75 }).cost).toBe(0.75);
    expect(UsageRecordV2.safeParse({ ...minimalV2, BilledCost: '0.5' }).error?.issues[0]?.path).toEqual([
      'BilledCost',
    ]);
  });

  it('names its service by x_ProductFamilyName, else x_BillableMetricName, else ChargeDescription', () => {
    const row = (fields: Record<string, unknown>) => UsageRecordV2.parse({ ...minimalV2, ...fields });
    expect(row({ x_ProductFamilyName: 'Workers', x_BillableMetricName: 'Requests' }).ServiceName).toBe(
      'Workers',
    );
    expect(row({ x_ProductFamilyName: null, x_BillableMetricName: 'Requests' }).ServiceName).toBe('Requests');
    expect(row({}).ServiceName).toBe('Workers Standard usage measured in Count');
    expect(row({ x_ZoneId: 'abc', x_ZoneName: null, Tags: { team: true } })).toMatchObject({
      ZoneId: 'abc',
      ZoneName: undefined,
    });
  });
});

describe('the usage reply', () => {
  const records = UsageResponseV1;

  it('reads `result: null` as no records, and breaks without a result', () => {
    expect(records.parse({ result: null }).result).toEqual([]);
    expect(records.safeParse({ success: true }).error?.issues[0]?.path).toEqual(['result']);
  });

  it('names a broken record by its path from the body', () => {
    const issue = records.safeParse({ result: [minimalV1, { ...minimalV1, ContractedCost: null }] }).error
      ?.issues[0];
    expect(issue?.path).toEqual(['result', 1, 'ContractedCost']);
  });
});

describe('the envelope', () => {
  it('reads errors and messages that are null, absent or oddly shaped', () => {
    expect(Envelope.parse({ success: true, errors: null })).toEqual({
      success: true,
      errors: null,
      messages: undefined,
    });
    const odd = Envelope.parse({
      success: false,
      errors: [{ code: 1183, message: 'bad' }, 'oops', { code: 'x' }],
    });
    expect(odd.errors).toEqual([
      { code: 1183, message: 'bad' },
      { code: undefined, message: undefined },
      { code: undefined, message: undefined },
    ]);
  });

  it('has no "success" to read when the reply leaves it out', () => {
    expect(Envelope.parse({ result: [] }).success).toBeUndefined();
  });
});

describe('the usage info', () => {
  it('reads coverage as unknown and subscriptions as none when absent', () => {
    expect(UsageInfoResponse.parse({ result: {} }).result).toEqual({ covered: undefined, subscriptions: [] });
  });

  it('skips subscriptions without a readable anchor and ignores an unreadable end', () => {
    const info = UsageInfoResponse.parse({
      result: {
        covered: true,
        subscriptions: [
          { id: 'A', billing_cycle_anchor_timestamp: 'the 15th' },
          null,
          { id: 'B', billing_cycle_anchor_timestamp: '2024-03-15T00:00:00Z', end_timestamp: null, extra: 1 },
        ],
      },
    }).result;
    expect(info.subscriptions).toEqual([
      { billing_cycle_anchor_timestamp: new Date('2024-03-15T00:00:00Z'), end_timestamp: undefined },
    ]);
  });
});

describe('the billing profile', () => {
  it('reads `result: null` as no profile and unreadable values as absent', () => {
    expect(BillingProfileResponse.parse({ result: null }).result).toBeNull();
    expect(
      BillingProfileResponse.parse({ result: { balance: 'twelve', next_bill_date: 'soon', vat: 'GB1' } })
        .result,
    ).toEqual({ balance: undefined, next_bill_date: undefined });
  });
});
