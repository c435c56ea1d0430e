import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordedBefore, wholeUnitsOfDay } from '../../../lib/chargeback/whole-units.ts';
import { decimal } from '../../../lib/money/index.ts';

/** A month's whole units, day by day, as chargeback records them on Kill Bill 0.22. */
const unitsOfMonth = (amounts: string[]) => {
  let before = decimal(0);
  return amounts.map((amount) => {
    const units = wholeUnitsOfDay(before, amount);
    before = before.plus(amount);
    return units.toString();
  });
};

describe('wholeUnitsOfDay', () => {
  it('records the running total rounded half-even, less the same through the day before', () => {
    // 12.5 rounds to 12 (half to even), 25 to 25: the second day makes up the first's half.
    expect(unitsOfMonth(['12.5', '12.5'])).toEqual(['12', '13']);
    expect(unitsOfMonth(['0.3', '0.3', '0.3', '0.3'])).toEqual(['0', '1', '0', '0']);
    expect(unitsOfMonth(['101.6', '0.2', '7'])).toEqual(['102', '0', '7']);
    expect(wholeUnitsOfDay(decimal('0.5'), '1').toString()).toBe('2');
  });

  it('adds up to the month total rounded half-even, and no day loses its remainder', () => {
    const amount = fc
      .tuple(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 3 }))
      .map(([units, places]) => new Big(units).div(10 ** places).toString());
    fc.assert(
      fc.property(fc.array(amount, { minLength: 1, maxLength: 31 }), (amounts) => {
        const units = unitsOfMonth(amounts);
        const total = amounts.reduce((sum, a) => sum.plus(a), decimal(0));
        expect(units.reduce((sum, u) => sum.plus(u), decimal(0)).toString()).toBe(
          total.round(0, Big.roundHalfEven).toString(),
        );
        let recorded = decimal(0);
        let exact = decimal(0);
        units.forEach((day, i) => {
          expect(decimal(day).gte(0)).toBe(true);
          recorded = recorded.plus(day);
          exact = exact.plus(amounts[i]!);
          // Through every day the records are the running total rounded: never half a unit off.
          expect(recorded.minus(exact).abs().lte('0.5')).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('recordedBefore', () => {
  const device = {
    itemCarry: { data: '10.25' },
    itemDays: {
      '2026-11-04': { data: '1.5', sms: '3' },
      '2026-11-05': { data: '-2', sms: '0.5' },
      '2026-11-06': { data: '4' },
    },
  };

  it('sums the carried days and the positive earlier days of the item, not the day itself or later ones', () => {
    expect(recordedBefore(device, '2026-11-04', 'data').toString()).toBe('10.25');
    expect(recordedBefore(device, '2026-11-06', 'data').toString()).toBe('11.75');
    expect(recordedBefore(device, '2026-11-06', 'sms').toString()).toBe('3.5');
    expect(recordedBefore({ itemDays: device.itemDays }, '2026-11-05', 'data').toString()).toBe('1.5');
  });
});
