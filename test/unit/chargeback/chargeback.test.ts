import { describe, expect, it } from 'vitest';
import {
  type ChargebackProgress,
  ChargebackWatermarks,
  chargebackTrackingId,
  daysToRecord,
} from '../../../lib/chargeback/chargeback.ts';
import { parseConfig } from '../../../lib/config/load.ts';
import { MemoryObjectStore } from '../../../lib/state/memory-store.ts';
import { configErrorOf } from '../../support/config-error.ts';

const TOKYO = 'Asia/Tokyo';
const plan = (exportedAt: string, fields: Partial<Parameters<typeof daysToRecord>[0]> = {}) =>
  daysToRecord({
    month: '202611',
    exportedAt: new Date(exportedAt),
    timeZone: TOKYO,
    settleHours: 24,
    maxDays: 3,
    ...fields,
  });

describe('daysToRecord', () => {
  it('takes a day once the export was made settleHours after it ended, in the account time zone', () => {
    // The 21st ends at 2026-11-21T15:00Z (midnight in Tokyo): settled from 2026-11-22T15:00Z on.
    const watermark = { recordedThrough: '2026-11-20' };
    expect(plan('2026-11-22T14:59:59Z', watermark)).toBeUndefined();
    expect(plan('2026-11-22T15:00:00Z', watermark)).toEqual({ from: 21, to: 21 });
    expect(plan('2026-11-22T15:00:00Z', { ...watermark, timeZone: 'UTC' })).toBeUndefined();
    expect(plan('2026-11-22T15:00:00Z', { ...watermark, settleHours: 0 })).toEqual({ from: 21, to: 22 });
  });

  it('goes on from the watermark, a few days at a time', () => {
    expect(plan('2026-11-23T03:30:00Z')).toEqual({ from: 1, to: 3 });
    expect(plan('2026-11-23T03:30:00Z', { recordedThrough: '2026-11-18' })).toEqual({ from: 19, to: 21 });
    expect(plan('2026-11-23T03:30:00Z', { recordedThrough: '2026-11-21' })).toBeUndefined();
  });

  it('starts no earlier than startDate, and not at all for a month before it', () => {
    expect(plan('2026-11-23T03:30:00Z', { startDate: '2026-11-20' })).toEqual({ from: 20, to: 21 });
    expect(plan('2026-11-23T03:30:00Z', { startDate: '2026-10-01' })).toEqual({ from: 1, to: 3 });
    expect(plan('2026-12-05T00:00:00Z', { startDate: '2026-12-01' })).toBeUndefined();
    // The watermark past startDate wins.
    expect(plan('2026-11-23T03:30:00Z', { startDate: '2026-11-02', recordedThrough: '2026-11-10' })).toEqual({
      from: 11,
      to: 13,
    });
  });

  it('takes every remaining day of a closed month (exported after it ended), whatever the settle delay', () => {
    const closed = { recordedThrough: '2026-11-28', settleHours: 240 };
    expect(plan('2026-11-30T14:59:59Z', closed)).toBeUndefined();
    expect(plan('2026-11-30T15:00:00Z', closed)).toEqual({ from: 29, to: 30 });
    expect(plan('2026-12-02T00:00:00Z', { recordedThrough: '2026-11-30' })).toBeUndefined();
  });
});

describe('chargebackTrackingId', () => {
  it('is pinned: a changed formula would record again what earlier releases sent', () => {
    expect(
      chargebackTrackingId(
        'OP0012345678',
        { kind: 'imsi', id: '440103125380001' },
        '2026-11-20',
        'Data usage fee',
      ),
    ).toBe('spendwatch-02da05d7e151744407151f7f245ec8af9c68d921');
  });

  it('differs by operator, device (and its kind), day and item', () => {
    const base = ['OP1', { kind: 'imsi', id: '1' }, '2026-11-20', 'data'] as const;
    const id = chargebackTrackingId(...base);
    expect(chargebackTrackingId('OP2', base[1], base[2], base[3])).not.toBe(id);
    expect(chargebackTrackingId(base[0], { kind: 'deviceId', id: '1' }, base[2], base[3])).not.toBe(id);
    expect(chargebackTrackingId(base[0], base[1], '2026-11-21', base[3])).not.toBe(id);
    expect(chargebackTrackingId(base[0], base[1], base[2], 'sms')).not.toBe(id);
  });
});

describe('ChargebackWatermarks', () => {
  it('only moves forward: by day, then by device within a day begun', async () => {
    const watermarks = new ChargebackWatermarks(new MemoryObjectStore());
    const at = (progress: ChargebackProgress) =>
      watermarks.advance('fleet', '202611', progress, 'exports/x.csv');
    expect(await watermarks.read('fleet', '202611')).toEqual({});
    await at({ partial: { day: '2026-11-01', throughDevice: '4401' } });
    await at({ recordedThrough: '2026-11-05' });
    await at({ recordedThrough: '2026-11-03' });
    await at({ recordedThrough: '2026-11-05', partial: { day: '2026-11-05', throughDevice: '9' } });
    expect(await watermarks.read('fleet', '202611')).toEqual({ recordedThrough: '2026-11-05' });
    await at({ recordedThrough: '2026-11-05', partial: { day: '2026-11-06', throughDevice: '4401' } });
    await at({ recordedThrough: '2026-11-05', partial: { day: '2026-11-06', throughDevice: '44005' } });
    await at({ recordedThrough: '2026-11-05', partial: { day: '2026-11-06', throughDevice: '4402' } });
    expect(await watermarks.read('fleet', '202611')).toEqual({
      recordedThrough: '2026-11-05',
      partial: { day: '2026-11-06', throughDevice: '4402' },
    });
    await at({ recordedThrough: '2026-11-06' });
    expect(await watermarks.read('fleet', '202611')).toEqual({ recordedThrough: '2026-11-06' });
  });

  it('refuses a watermark it cannot read, saying how to recover', async () => {
    const store = new MemoryObjectStore();
    await store.put('chargeback/fleet/202611.json', '{"recordedThrough":"2026-10-31","sourceKey":"x"}');
    await expect(new ChargebackWatermarks(store).read('fleet', '202611')).rejects.toThrow(
      /chargeback watermark chargeback\/fleet\/202611\.json is not .*delete it to record the month again from its first day/,
    );
  });
});

describe('chargeback config', () => {
  const config = (chargeback: string, killbill = 'provider: killbill') => `accounts:
  - id: fleet
    provider: soracom
    credentials: { authKeyId: env:K, authKey: env:S }
    chargeback:
${chargeback
  .split('\n')
  .map((line) => `      ${line}`)
  .join('\n')}
  - id: billing
    ${killbill}
    baseUrl: https://killbill.example.com
    subscriptions: [365987b2-5443-47e4-a467-c8962fc6995c]
    credentials: { username: env:U, password: env:P, apiKey: env:A, apiSecret: env:B }
  - id: cdn
    provider: fastly
    credentials: { apiToken: env:F }
`;
  const problems = (yaml: string) =>
    configErrorOf(() => parseConfig(yaml, 'spendwatch.yaml')).problems.map(
      (p) => `${p.path}${p.value ? ` = ${p.value}` : ''}: ${p.message}`,
    );
  const valid = 'killbill: billing\nsubscriptionTag: "tag:kb-subscription"\nunitType: sim-usage-jpy';

  it('takes a valid chargeback with its defaults', () => {
    const account = parseConfig(config(valid)).accounts[0];
    expect(account?.provider === 'soracom' && account.settings.chargeback).toEqual({
      killbill: 'billing',
      subscriptionTag: 'tag:kb-subscription',
      unitType: 'sim-usage-jpy',
      settleHours: 24,
      concurrency: 8,
    });
  });

  it('names the field, the value and the fix', () => {
    expect(problems(config(valid.replace('billing', 'billling')))).toEqual([
      'accounts[0].chargeback.killbill = "billling": no killbill account with id "billling" (killbill accounts: billing)',
    ]);
    expect(problems(config(valid.replace('billing', 'cdn')))).toEqual([
      'accounts[0].chargeback.killbill = "cdn": account "cdn" is a fastly account; chargeback records usage in a killbill account (killbill accounts: billing)',
    ]);
    expect(problems(config(`${valid}\nsettleHour: 48`))).toEqual([
      'accounts[0].chargeback.settleHour: unknown field "settleHour"; did you mean "settleHours"?',
    ]);
    expect(problems(config(valid.replace('sim-usage-jpy', '"sim usage"')))).toEqual([
      'accounts[0].chargeback.unitType = "sim usage": expected a unit type name of your Kill Bill catalog, e.g. sim-usage-jpy',
    ]);
    expect(problems(config(`${valid}\nstartDate: 2026-11-31`))).toEqual([
      'accounts[0].chargeback.startDate = "2026-11-31": expected a date such as "2026-11-01"',
    ]);
    expect(problems(config(valid.replace('subscriptionTag: "tag:kb-subscription"\n', '')))).toEqual([
      'accounts[0].chargeback.subscriptionTag: required field "subscriptionTag" is missing: expected a tag column of the billing CSV, e.g. "tag:kb-subscription"',
    ]);
  });
});
