import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../../lib/config/load.ts';
import { currencyCode, Money } from '../../../../../lib/money/index.ts';
import { soracomCsvEnricher } from '../../../../../lib/providers/soracom/billing-csv/breakdown.ts';
import {
  type StoredSoracomSummary,
  SUMMARIES_PREFIX,
} from '../../../../../lib/providers/soracom/billing-csv/summaries.ts';
import type { MissingPart, PeriodSpend } from '../../../../../lib/spend/index.ts';
import { MemoryObjectStore } from '../../../../../lib/state/memory-store.ts';

const [account] = parseConfig(`
accounts:
  - id: fleet-jp
    provider: soracom
    credentials: { authKeyId: env:A, authKey: env:B }
`).accounts;

const summary: StoredSoracomSummary = {
  accountId: 'fleet-jp',
  operatorId: 'OP0012345678',
  sourceKey: 'exports/soracom/fleet-jp/202611/OP0012345678-1.csv',
  currency: 'JPY',
  month: '2026-11',
  tagColumns: ['tag:fleet'],
  rowCount: 2,
  totals: { amount: '30', daily: '30', monthlyCharges: '0' },
  subscribers: [
    { id: '440100000000001', kind: 'imsi', total: '20', items: {}, tags: { 'tag:fleet': 'A' } },
    { id: '440100000000002', kind: 'imsi', total: '10', items: {}, tags: {} },
  ],
  unattributed: { rowCount: 0, total: '0' },
  billItems: [],
  days: [],
  monthlyCharges: { rowCount: 0, total: '0' },
  malformed: { count: 0, rows: [] },
};

const missing = (endpoint: string): MissingPart => ({ part: 'breakdown', endpoint, reason: 'HTTP 403: no' });

function readingWith(marks: MissingPart[]): PeriodSpend {
  return {
    provider: 'soracom',
    accountId: 'fleet-jp',
    BillingPeriodStart: new Date('2026-10-31T15:00:00Z'),
    BillingPeriodEnd: new Date('2026-11-30T15:00:00Z'),
    asOf: new Date('2026-11-23T03:00:00Z'),
    BillingCurrency: currencyCode('JPY'),
    BilledCost: Money.of(30, 'JPY'),
    lines: [],
    sources: ['GET /bills/latest'],
    missing: marks,
  };
}

describe('the billing-CSV breakdown of a partial reading', () => {
  it('drops the mark of a failed per-SIM summary, which the CSV replaces, and keeps any other', async () => {
    const store = new MemoryObjectStore();
    await store.put(`${SUMMARIES_PREFIX}fleet-jp/202611/latest.json`, JSON.stringify(summary));
    const enrich = soracomCsvEnricher(store);
    const both = await enrich(
      account!,
      readingWith([missing('GET /bills/summaries/sims'), missing('GET /bills/summaries/bill_items')]),
    );
    expect(both.lines.map((line) => line.ResourceId)).toEqual(['440100000000001', '440100000000002']);
    expect(both.missing).toEqual([missing('GET /bills/summaries/bill_items')]);
    const simsOnly = await enrich(account!, readingWith([missing('GET /bills/summaries/sims')]));
    expect(simsOnly).not.toHaveProperty('missing');
  });
});
