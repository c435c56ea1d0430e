import { describe, expect, it } from 'vitest';
import {
  figureTime,
  UNDATED_FIGURE_PENDING_HOURS,
} from '../../../../lib/providers/soracom/evaluated-time.ts';

const at = (iso: string) => new Date(iso);

describe('figureTime: when a /bills/latest figure was evaluated', () => {
  it('reads the stamp in the billing time zone', () => {
    expect(figureTime('20261123091500', at('2026-11-23T03:30:00Z'), 'Asia/Tokyo')).toEqual({
      status: 'stated',
      asOf: at('2026-11-23T00:15:00Z'),
    });
    expect(figureTime('20261123091500', at('2026-11-23T10:00:00Z'), 'UTC')).toEqual({
      status: 'stated',
      asOf: at('2026-11-23T09:15:00Z'),
    });
  });

  it('allows a few minutes of clock skew, not hours', () => {
    const now = at('2026-11-23T00:00:00Z');
    expect(figureTime('20261123001000', now, 'UTC').status).toBe('stated');
    expect(figureTime('20261123002000', now, 'UTC').status).toBe('inferred');
  });

  it.each([
    '2026112312000',
    '202611231200000',
    '20261323120000',
    '20260229120000',
    '20261123240000',
    '20261123126000',
  ])('does not read "%s" as a time', (stamp) => {
    expect(figureTime(stamp, at('2026-11-23T10:00:00Z'), 'UTC')).toMatchObject({ status: 'inferred' });
  });

  it(`keeps an undated figure pending for the first ${UNDATED_FIGURE_PENDING_HOURS} h of a month, in its zone`, () => {
    // The JST month starts at 15:00 UTC the day before.
    expect(figureTime(undefined, at('2026-11-30T14:59:00Z'), 'Asia/Tokyo')).toMatchObject({
      status: 'inferred',
    });
    expect(figureTime(undefined, at('2026-11-30T15:00:00Z'), 'Asia/Tokyo')).toMatchObject({
      status: 'pending',
    });
    expect(figureTime(undefined, at('2026-12-01T14:59:59Z'), 'Asia/Tokyo')).toMatchObject({
      status: 'pending',
    });
    expect(figureTime(undefined, at('2026-12-01T15:00:00Z'), 'Asia/Tokyo')).toEqual({
      status: 'inferred',
      asOf: at('2026-12-01T15:00:00Z'),
      reason: 'the bill states no lastEvaluatedTime; the figure is taken as of the read time',
    });
  });
});
