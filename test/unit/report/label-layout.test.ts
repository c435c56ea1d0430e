import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Box,
  circleBox,
  intersects,
  labelBox,
  nudged,
  placeLabels,
  textWidth,
} from '../../../lib/report/label-layout.ts';

const AREA: Box = { left: 0, top: 0, right: 800, bottom: 300 };

describe('chart label layout', () => {
  it('never places two labels that intersect, nor one outside the area; the rest go to the legend', () => {
    const spot = fc.record({
      x: fc.integer({ min: -50, max: 850 }),
      y: fc.integer({ min: -20, max: 320 }),
      anchor: fc.constantFrom('start' as const, 'middle' as const, 'end' as const),
    });
    const request = fc.record({
      text: fc.string({ minLength: 1, maxLength: 40 }),
      spots: fc.array(spot, { minLength: 1, maxLength: 8 }),
    });
    fc.assert(
      fc.property(fc.array(request, { maxLength: 25 }), (requests) => {
        const keyed = requests.map((r, i) => ({ ...r, key: `l${i}` }));
        const { placed, unplaced } = placeLabels(keyed, AREA);
        expect(placed.length + unplaced.length).toBe(keyed.length);
        placed.forEach((a, i) => {
          expect(a.box.left >= AREA.left && a.box.right <= AREA.right).toBe(true);
          expect(a.box.top >= AREA.top && a.box.bottom <= AREA.bottom).toBe(true);
          for (const b of placed.slice(i + 1)) expect(intersects(a.box, b.box)).toBe(false);
        });
      }),
    );
  });

  it('gives the first request its first spot, nudges the next one clear of it', () => {
    const spot = { x: 100, y: 100, anchor: 'start' as const };
    const { placed } = placeLabels(
      [
        { key: 'a', text: '80% actual — ¥24,000', spots: [spot] },
        { key: 'b', text: '82% actual — ¥24,600', spots: nudged(spot, 18, 2) },
      ],
      AREA,
    );
    expect(placed.map((p) => [p.key, p.y])).toEqual([
      ['a', 100],
      ['b', 82],
    ]);
  });

  it('keeps clear of data points where a spot allows, else sits on them rather than on a label', () => {
    const spots = [
      { x: 100, y: 100, anchor: 'start' as const },
      { x: 100, y: 140, anchor: 'start' as const },
    ];
    const point = circleBox(120, 96, 4);
    expect(placeLabels([{ key: 'a', text: 'today', spots }], AREA, [point]).placed[0]!.y).toBe(140);
    const everywhere = [point, circleBox(120, 136, 4)];
    expect(placeLabels([{ key: 'a', text: 'today', spots }], AREA, everywhere).placed[0]!.y).toBe(100);
  });

  it('estimates text generously and anchors its box at the start, middle or end', () => {
    expect(textWidth('100% actual · 100% forecast — ¥30,000')).toBeGreaterThan(250);
    const width = textWidth('today');
    const start = labelBox({ x: 100, y: 50, anchor: 'start' }, width);
    const middle = labelBox({ x: 100, y: 50, anchor: 'middle' }, width);
    const end = labelBox({ x: 100, y: 50, anchor: 'end' }, width);
    expect(start.left).toBeLessThan(100);
    expect(middle.left + middle.right).toBeCloseTo(200);
    expect(end.right).toBeGreaterThan(100);
    expect(start.top).toBeLessThan(50 - 11);
    expect(start.bottom).toBeGreaterThan(50);
  });
});
