import { describe, expect, it } from 'vitest';
import { elapsedFraction, monthlyPeriod, periodDays, yyyymm } from '../../../lib/time/period.ts';
import { fromLocal, localDateKey, localDayBounds, toLocal } from '../../../lib/time/zoned.ts';

describe('zoned calendar arithmetic', () => {
  it('finds the month in the account time zone, not UTC', () => {
    // 2026-11-30 23:30 UTC is already December 1st in Tokyo.
    const period = monthlyPeriod(new Date('2026-11-30T15:30:00Z'), 'Asia/Tokyo');
    expect(period.key).toBe('2026-12');
    expect(period.start.toISOString()).toBe('2026-11-30T15:00:00.000Z');
    expect(yyyymm(period)).toBe('202612');
  });

  it('the last second of a month in a zone ahead of UTC belongs to that month', () => {
    const lastSecond = fromLocal(
      { year: 2026, month: 11, day: 30, hour: 23, minute: 59, second: 59 },
      'Pacific/Auckland',
    );
    expect(monthlyPeriod(lastSecond, 'Pacific/Auckland').key).toBe('2026-11');
    expect(monthlyPeriod(new Date(lastSecond.getTime() + 1000), 'Pacific/Auckland').key).toBe('2026-12');
  });

  it('handles DST months: New York November has 30 days of 24 h and one of 25 h', () => {
    const period = monthlyPeriod(new Date('2026-11-15T12:00:00Z'), 'America/New_York');
    expect(period.start.toISOString()).toBe('2026-11-01T04:00:00.000Z'); // EDT
    expect(period.end.toISOString()).toBe('2026-12-01T05:00:00.000Z'); // EST
    expect(periodDays(period)).toBe(30);
  });

  it('shifts a wall time inside a DST gap forward', () => {
    expect(
      fromLocal({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York').toISOString(),
    ).toBe('2026-03-08T07:30:00.000Z');
    // Chile skips midnight: the month starts at 01:00 local.
    expect(fromLocal({ year: 2026, month: 9, day: 6 }, 'America/Santiago').toISOString()).toBe(
      '2026-09-06T04:00:00.000Z',
    );
  });

  it('starts a month at local midnight when DST begins later that day (Sydney, 1 October 2028)', () => {
    // The clocks go forward at 02:00 on Sunday 1 October: midnight is still AEST (+10), Lord Howe +10:30.
    expect(monthlyPeriod(new Date('2028-09-30T14:30:00Z'), 'Australia/Sydney').start.toISOString()).toBe(
      '2028-09-30T14:00:00.000Z',
    );
    const september = monthlyPeriod(new Date('2028-09-30T13:30:00Z'), 'Australia/Sydney');
    expect([september.key, september.end.toISOString()]).toEqual(['2028-09', '2028-09-30T14:00:00.000Z']);
    expect(fromLocal({ year: 2028, month: 10, day: 1 }, 'Australia/Lord_Howe').toISOString()).toBe(
      '2028-09-30T13:30:00.000Z',
    );
  });

  it('handles leap days and custom start days', () => {
    const leap = monthlyPeriod(new Date('2028-02-29T12:00:00Z'), 'UTC');
    expect(periodDays(leap)).toBe(29);
    const cycle = monthlyPeriod(new Date('2026-03-10T00:00:00Z'), 'UTC', 15);
    expect(cycle.key).toBe('2026-02-15');
    expect(cycle.end.toISOString()).toBe('2026-03-15T00:00:00.000Z');
  });

  it('reports elapsed fraction and local dates', () => {
    const period = monthlyPeriod(new Date('2026-11-16T00:00:00Z'), 'UTC');
    expect(elapsedFraction(period, new Date('2026-11-16T00:00:00Z'))).toBe(0.5);
    expect(localDateKey(new Date('2026-11-22T20:00:00Z'), 'Asia/Tokyo')).toBe('2026-11-23');
    expect(toLocal(new Date('2026-11-22T20:00:00Z'), 'Asia/Tokyo').hour).toBe(5);
  });

  it('gives the bounds of a local day: 25 hours when clocks go back, across a month end', () => {
    const fallBack = localDayBounds('2026-11-01', 'America/New_York');
    expect([fallBack.start.toISOString(), fallBack.end.toISOString()]).toEqual([
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ]);
    expect(localDayBounds('2026-11-30', 'Asia/Tokyo').end.toISOString()).toBe('2026-11-30T15:00:00.000Z');
  });
});
