import { describe, expect, it } from 'vitest';
import {
  exclusiveBillingEnd,
  fastlyRateLimitDelayMs,
  splitMonthRange,
} from '../../../../lib/providers/fastly/index.ts';

describe('splitMonthRange', () => {
  const ranges = (start: string, end: string) =>
    splitMonthRange(start, end).map((r) => `${r.start_month}..${r.end_month}`);

  it('keeps a range of up to three months in one call', () => {
    expect(ranges('2026-07', '2026-07')).toEqual(['2026-07..2026-07']);
    expect(ranges('2026-05', '2026-07')).toEqual(['2026-05..2026-07']);
  });

  it('splits longer ranges into three-month calls, the last one shorter', () => {
    expect(ranges('2026-01', '2026-04')).toEqual(['2026-01..2026-03', '2026-04..2026-04']);
    expect(ranges('2026-01', '2026-12')).toEqual([
      '2026-01..2026-03',
      '2026-04..2026-06',
      '2026-07..2026-09',
      '2026-10..2026-12',
    ]);
  });

  it('crosses year boundaries', () => {
    expect(ranges('2025-11', '2026-02')).toEqual(['2025-11..2026-01', '2026-02..2026-02']);
  });

  it('rejects reversed ranges and malformed months', () => {
    expect(() => splitMonthRange('2026-05', '2026-04')).toThrow(/before/);
    expect(() => splitMonthRange('2026-13', '2026-14')).toThrow(/not a month/);
    expect(() => splitMonthRange('2026-5', '2026-06')).toThrow(/not a month/);
  });
});

describe('exclusiveBillingEnd', () => {
  const end = (iso: string) => exclusiveBillingEnd(new Date(iso)).toISOString();

  it('turns the last day named at midnight into the next midnight', () => {
    expect(end('2026-07-31T00:00:00Z')).toBe('2026-08-01T00:00:00.000Z');
    expect(end('2026-12-31T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(end('2028-02-29T00:00:00Z')).toBe('2028-03-01T00:00:00.000Z');
  });

  it('treats an end inside the last day as that day', () => {
    expect(end('2026-07-31T23:59:59Z')).toBe('2026-08-01T00:00:00.000Z');
  });

  it('keeps an end that is already the first midnight of the next month', () => {
    expect(end('2026-08-01T00:00:00Z')).toBe('2026-08-01T00:00:00.000Z');
  });
});

describe('fastlyRateLimitDelayMs', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  const epoch = now.getTime() / 1000;
  const delay = (headers: Record<string, string>) => fastlyRateLimitDelayMs(new Headers(headers), now);

  it('waits until Fastly-RateLimit-Reset, measured from the clock', () => {
    expect(delay({ 'Fastly-RateLimit-Reset': String(epoch + 42), 'Fastly-RateLimit-Remaining': '0' })).toBe(
      42_000,
    );
    expect(delay({ 'Fastly-RateLimit-Reset': String(epoch + 3) })).toBe(3000);
  });

  it('does not wait for a reset already past', () => {
    expect(delay({ 'Fastly-RateLimit-Reset': String(epoch - 5) })).toBe(0);
  });

  it('leaves the wait to the default when the headers do not say', () => {
    expect(delay({})).toBeUndefined();
    expect(delay({ 'Fastly-RateLimit-Reset': 'soon' })).toBeUndefined();
    expect(
      delay({ 'Fastly-RateLimit-Reset': String(epoch + 42), 'Fastly-RateLimit-Remaining': '17' }),
    ).toBeUndefined();
  });
});
