import { describe, expect, it } from 'vitest';
import { clipToWidth, displayWidth, wrapItems, wrapToWidth } from '../../../cli/terminal-text.ts';

describe('terminal text', () => {
  it('measures columns: colour codes take none, wide characters two, ¥ and — one', () => {
    expect(displayWidth('\u001b[1mfleet\u001b[22m')).toBe(5);
    expect(displayWidth('¥22,221 —')).toBe(9);
    expect(displayWidth('東京バス')).toBe(8);
  });

  it('clips to a width with an ellipsis, counting wide characters as two', () => {
    expect(clipToWidth('iot-fleet-japan', 15)).toBe('iot-fleet-japan');
    expect(clipToWidth('iot-fleet-japan', 8)).toBe('iot-fle…');
    expect(clipToWidth('東京バスの回線', 7)).toBe('東京バ…');
  });

  it('wraps between words with a hanging indent, and cuts a word longer than a line', () => {
    expect(wrapToWidth('gap overseas: account could not be read', 20, '  ')).toEqual([
      'gap overseas:',
      '  account could not',
      '  be read',
    ]);
    expect(wrapToWidth('ids 440103125380001440103125380002', 12)).toEqual([
      'ids',
      '440103125380',
      '001440103125',
      '380002',
    ]);
    expect(wrapToWidth('short', 80)).toEqual(['short']);
  });

  it('wraps a legend between its items, each line at most the width', () => {
    const items = ['alarm: over 100%', 'warning: another threshold', 'gap: no figure'];
    const lines = wrapItems(items, 30);
    expect(lines).toEqual(['alarm: over 100% ·', 'warning: another threshold ·', 'gap: no figure']);
    expect(wrapItems(items, 200)).toEqual([items.join(' · ')]);
    for (let width = 8; width < 60; width++)
      for (const line of wrapItems(items, width)) expect(displayWidth(line)).toBeLessThanOrEqual(width);
  });
});
