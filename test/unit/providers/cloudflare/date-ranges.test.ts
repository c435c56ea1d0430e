import { describe, expect, it } from 'vitest';
import { usageRanges } from '../../../../lib/providers/cloudflare/date-ranges.ts';
import { monthlyPeriod } from '../../../../lib/time/period.ts';

describe('the date ranges a billing period is read with', () => {
  it("ends on the period's last UTC day (`to` read as inclusive), in one range", () => {
    const cycle = monthlyPeriod(new Date('2026-11-20T10:00:00Z'), 'UTC', 15);
    expect(usageRanges(cycle, new Date('2026-11-20T10:00:00Z'))).toEqual([
      { from: '2026-11-15', to: '2026-12-14' },
    ]);
  });

  it('keeps a 31-day cycle within a 31-day maximum', () => {
    const cycle = monthlyPeriod(new Date('2027-01-10T00:00:00Z'), 'UTC', 15);
    expect(usageRanges(cycle, new Date('2027-01-10T00:00:00Z'), 31)).toEqual([
      { from: '2026-12-15', to: '2027-01-14' },
    ]);
  });

  it('splits a longer span, leaving out ranges that start after today', () => {
    // October in the Azores: 1 October 00:00Z to 1 November 01:00Z, 32 UTC days.
    const october = monthlyPeriod(new Date('2026-10-20T00:00:00Z'), 'Atlantic/Azores');
    expect(usageRanges(october, new Date('2026-10-20T00:00:00Z'), 31)).toEqual([
      { from: '2026-10-01', to: '2026-10-31' },
    ]);
    expect(usageRanges(october, new Date('2026-11-01T00:30:00Z'), 31)).toEqual([
      { from: '2026-10-01', to: '2026-10-31' },
      { from: '2026-11-01', to: '2026-11-01' },
    ]);
    expect(usageRanges(october, new Date('2026-11-01T00:30:00Z'))).toEqual([
      { from: '2026-10-01', to: '2026-11-01' },
    ]);
  });

  it('starts on the UTC day of a period starting west of UTC, so the anchor day is included', () => {
    const newYork = monthlyPeriod(new Date('2026-11-20T12:00:00Z'), 'America/New_York', 15);
    expect(newYork.start.toISOString()).toBe('2026-11-15T05:00:00.000Z');
    expect(usageRanges(newYork, new Date('2026-11-20T12:00:00Z'))).toEqual([
      { from: '2026-11-15', to: '2026-12-15' },
    ]);
  });
});
