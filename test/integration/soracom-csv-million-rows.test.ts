import { describe, expect, it } from 'vitest';
import { FIXTURE_MONTH, SoracomCsvFixture } from '../../dev/fixtures/soracom-billing-csv.ts';
import { summariseSoracomCsv } from '../../lib/providers/soracom/billing-csv/parser/index.ts';
import { referenceSummary } from '../support/soracom-csv-reference.ts';

describe('Soracom CSV ingest on a generated month of 1 M rows', () => {
  it('adds up to the totals the generator kept', { timeout: 60_000 }, async () => {
    const fixture = new SoracomCsvFixture({ rows: 1_000_000, sims: 20_000, chunkBytes: 256 * 1024 });
    const summary = await summariseSoracomCsv(toAsync(fixture.chunks()), { currency: 'USD' });
    const expected = fixture.totals;

    expect(summary.rowCount).toBe(expected.rowCount);
    expect(summary.malformed.count).toBe(0);
    expect(summary.month).toBe(FIXTURE_MONTH);
    expect(summary.totals.amount).toBe(expected.amount);
    expect(summary.totals.monthlyCharges).toBe(expected.monthlyCharges);
    expect(summary.subscribers).toHaveLength(expected.subscribers);
    expect(
      Object.fromEntries(summary.billItems.map(({ name, total, quantity }) => [name, { total, quantity }])),
    ).toEqual(expected.billItems);
    expect(summary.days).toHaveLength(30);
    expect(summary.subscribers[0]?.tags).toMatchObject({
      'tag:fleet': expect.stringMatching(/^fleet-\d\d$/),
    });
  });

  it('matches the csv-parse + big.js reference on a smaller generated month', async () => {
    const fixture = new SoracomCsvFixture({ rows: 30_000, sims: 2_000, chunkBytes: 4096 });
    const chunks = [...fixture.chunks()];
    const text = new TextDecoder().decode(Buffer.concat(chunks));
    const summary = await summariseSoracomCsv(toAsync(chunks), { currency: 'USD' });
    expect(summary).toEqual(referenceSummary(text, { currency: 'USD' }));
  });
});

async function* toAsync(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* chunks;
}
