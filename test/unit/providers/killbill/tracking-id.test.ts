import { describe, expect, it } from 'vitest';
import { usageTrackingId } from '../../../../lib/providers/killbill/index.ts';

const parts = ['acme', '365987b2-5443-47e4-a467-c8962fc6995c', 'api-calls', '2026-11-23'];

describe('usageTrackingId', () => {
  it('is pinned: a changed algorithm would re-record usage that earlier releases already sent', () => {
    expect(usageTrackingId(parts)).toBe('spendwatch-8f3d5e041eebe85ce13f438bea27a374a6ee48de');
  });

  it('gives the same ID for the same parts and another for any other parts', () => {
    expect(usageTrackingId([...parts])).toBe(usageTrackingId(parts));
    expect(usageTrackingId([...parts.slice(0, 3), '2026-11-24'])).not.toBe(usageTrackingId(parts));
    expect(usageTrackingId(parts.slice(0, 3))).not.toBe(usageTrackingId(parts));
  });

  it('keeps the parts apart: moving a separator between parts changes the ID', () => {
    expect(usageTrackingId(['a-b', 'c'])).not.toBe(usageTrackingId(['a', 'b-c']));
    expect(usageTrackingId(['ab', ''])).not.toBe(usageTrackingId(['a', 'b']));
  });

  it('fits Kill Bill: short, lower-case letters, digits and dashes only', () => {
    const id = usageTrackingId(['用量', 'with spaces/and?query=1', '"quoted"']);
    expect(id).toMatch(/^spendwatch-[0-9a-f]{40}$/);
    expect(id.length).toBeLessThanOrEqual(128);
  });

  it('refuses to build an ID from nothing', () => {
    expect(() => usageTrackingId([])).toThrow(RangeError);
  });
});
