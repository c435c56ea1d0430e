import { describe, expect, it } from 'vitest';
import { emfCheckMetrics, METRICS_NAMESPACE } from '../../../lib/observability/emf.ts';

describe('check metrics as EMF', () => {
  it('counts a partial reading per provider, account and missing part', () => {
    const lines: string[] = [];
    const metrics = emfCheckMetrics({
      namespace: METRICS_NAMESPACE,
      dimensions: { Stage: 'test' },
      write: (line) => lines.push(line),
      now: () => new Date('2026-11-23T03:30:00Z'),
    });
    metrics.partialReading({ provider: 'soracom', account: 'fleet-jp', part: 'breakdown' });
    const document = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(document).toMatchObject({
      PartialReadings: 1,
      Provider: 'soracom',
      Account: 'fleet-jp',
      Part: 'breakdown',
      Stage: 'test',
    });
  });
});
