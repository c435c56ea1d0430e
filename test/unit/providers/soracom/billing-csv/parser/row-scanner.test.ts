import { describe, expect, it } from 'vitest';
import { SoracomCsvAggregator } from '../../../../../../lib/providers/soracom/billing-csv/parser/index.ts';
import {
  RowScanner,
  SCAN,
} from '../../../../../../lib/providers/soracom/billing-csv/parser/row-scanner/index.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('Soracom CSV row scanner (WebAssembly)', () => {
  it('splits records into fields and rows, keeping an incomplete record pending', () => {
    const scanner = new RowScanner();
    scanner.configure({ count: 6, date: 1, item: 2, unitPrice: 3, quantity: 4, amount: 5 }, [0]);
    scanner.append(
      bytes('4401,20261103,"data, up",0.0018,1000,1.8\r\n\r\n,202611,free tier,-5,1,-5\n4402,2026'),
    );
    const rows: { line: number; fields: number; day: number; item: string; device: number }[] = [];
    scanner.scanRows(7, false, (count) => {
      for (let index = 0; index < count; index++) {
        const row = scanner.tapeInts + index * scanner.rowInts;
        const at = (slot: number) => scanner.ints[row + slot]!;
        rows.push({
          line: at(SCAN.ROW_LINE),
          fields: at(SCAN.ROW_FIELDS),
          day: at(SCAN.ROW_DAY),
          item: new TextDecoder().decode(
            scanner.bytes.subarray(at(SCAN.ROW_ITEM_START), at(SCAN.ROW_ITEM_END)),
          ),
          device: at(SCAN.ROW_DEVICE_COLUMN),
        });
      }
    });
    // The blank line is no row but counts as a line; the month comes from the first dated row.
    expect(rows).toEqual([
      { line: 1, fields: 6, day: 3, item: 'data, up', device: 0 },
      { line: 3, fields: 6, day: SCAN.MONTHLY_ROW, item: 'free tier', device: -1 },
    ]);
    expect(scanner.month()).toBe(202611);
    expect(new TextDecoder().decode(scanner.pending())).toBe('4402,2026');
    expect(scanner.line).toBe(4);
  });

  it('grows its memory for a chunk larger than it holds, and for a header wider than its field slots', () => {
    const tags = Array.from({ length: 70_000 }, (_, index) => `tag:t${index}`);
    const header = ['imsi', 'date', 'billItemName', 'unitPrice', 'quantity', 'amount', ...tags].join(',');
    const values = tags.map((_, index) => (index === 69_999 ? 'last' : ''));
    const rows = Array.from({ length: 20 }, (_, index) =>
      [`44010${index % 7}`, '20261102', 'plan', '1.5', '2', '3.25', ...values].join(','),
    );
    const file = bytes(`${[header, ...rows].join('\n')}\n`);
    expect(file.length).toBeGreaterThan(8 * 65536);
    const aggregator = new SoracomCsvAggregator({ currency: 'USD' });
    aggregator.write(file);
    const summary = aggregator.end();
    expect(summary.malformed.count).toBe(0);
    expect(summary.tagColumns).toHaveLength(70_000);
    expect(summary.totals.amount).toBe('65');
    expect(summary.subscribers[0]!.tags).toEqual({ 'tag:t69999': 'last' });
  });

  it('keeps each aggregator apart: months, lines and pending bytes are per instance', () => {
    const a = new SoracomCsvAggregator({ currency: 'JPY' });
    const b = new SoracomCsvAggregator({ currency: 'JPY' });
    const header = 'imsi,date,billItemName,unitPrice,quantity,amount\n';
    a.write(bytes(`${header}1,20261101,x,1,1,`));
    b.write(bytes(`${header}\n\n2,20261201,y,1,1,7\n2,20261101,y,1,1,1\n`));
    a.write(bytes('5\n1,20261202,x,1,1,1\n'));
    const first = a.end();
    const second = b.end();
    expect(first.month).toBe('2026-11');
    expect(first.totals.amount).toBe('5');
    expect(first.malformed.rows).toEqual([
      { line: 3, reason: 'date "20261202" is outside the month 2026-11' },
    ]);
    expect(second.month).toBe('2026-12');
    expect(second.malformed.rows).toEqual([
      { line: 5, reason: 'date "20261101" is outside the month 2026-12' },
    ]);
  });
});
