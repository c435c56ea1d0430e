import type { Alert } from '../../lib/alerts/alert.ts';

/** A complete crossing alert for ledger tests; the fields a test cares about are overridable. */
export function sampleAlert(
  fields: Partial<Alert> & Pick<Alert, 'budget' | 'thresholdId'> = {
    budget: 'cdn',
    thresholdId: 'actual-80pct',
  },
): Alert {
  const periodKey = fields.periodKey ?? '2026-11';
  return {
    version: 1,
    dedupKey: `${fields.budget}:${periodKey}:${fields.thresholdId}`,
    event: 'crossed',
    account: 'fastly-main',
    accounts: ['fastly-main'],
    provider: 'fastly',
    threshold: '80%',
    basis: 'actual',
    severity: 'warning',
    measure: 'cost',
    currency: 'USD',
    unit: 'USD',
    spent: '8123.45',
    budgetAmount: '10000',
    percent: '81.2',
    observed: '8123.45',
    periodKey,
    periodStart: '2026-11-01T00:00:00.000Z',
    periodEnd: '2026-12-01T00:00:00.000Z',
    asOf: '2026-11-23T03:00:00.000Z',
    detectedAt: '2026-11-23T03:30:00.000Z',
    contributors: [],
    headline: `${fields.budget} reached ${fields.thresholdId}`,
    details: [],
    ...fields,
  };
}
