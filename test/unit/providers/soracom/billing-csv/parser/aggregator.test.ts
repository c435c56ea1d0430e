import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Money } from '../../../../../../lib/money/index.ts';
import {
  SoracomCsvAggregator,
  SoracomCsvFormatError,
  type SoracomCsvOptions,
  summariseSoracomCsv,
} from '../../../../../../lib/providers/soracom/billing-csv/parser/index.ts';

const HEADER =
  'imsi,vpgId,loraGatewayId,loraDeviceId,sigfoxDeviceId,deviceId,gadgetId,soraCamDeviceId,date,billItemName,unitPrice,quantity,amount,"tag:name, full",group';

/** A Soracom-like export: BOM, CRLF, quoted tags with commas and quotes, Japanese item names, a multi-line field. */
const SAMPLE = `\uFEFF${[
  HEADER,
  '440101234567890,,,,,,,,20261101,plan-D 基本料金,10,1,10,"sensor ""A"", yard 3",fleet-a',
  '440101234567890,,,,,,,,20261101,データ通信料 (上り),0.0018,1000,1.8,"sensor ""A"", yard 3",fleet-a',
  '440101234567890,,,,,,,,20261102,データ通信料 (上り),0.0018,333,0.5994,"sensor ""A"", yard 3",fleet-a',
  ',vpg-0001,,,,,,,20261102,VPG Type-E,1.2,1,1.2,,',
  ',,,,,dev-7,,,20261103,"Inventory, device",0.0042,3,0.0126,,"multi',
  'line group"',
  ',,,,,,,,202611,無料枠,-5,1,-5,,',
].join('\r\n')}\r\n`;

function ingestChunks(chunks: Uint8Array[], options: SoracomCsvOptions = { currency: 'JPY' }) {
  const aggregator = new SoracomCsvAggregator(options);
  for (const chunk of chunks) aggregator.write(chunk);
  return aggregator.end();
}

const bytes = (text: string) => new TextEncoder().encode(text);
const ingestText = (text: string, options?: SoracomCsvOptions) => ingestChunks([bytes(text)], options);

describe('Soracom CSV ingest', () => {
  it('adds up a month per subscriber, bill item and day, with monthly charges apart', () => {
    const summary = ingestText(SAMPLE, { currency: 'JPY', deviceDays: true });
    expect(summary).toEqual({
      currency: 'JPY',
      month: '2026-11',
      tagColumns: ['tag:name, full', 'group'],
      rowCount: 6,
      totals: { amount: '8.612', daily: '13.612', monthlyCharges: '-5' },
      subscribers: [
        {
          id: '440101234567890',
          kind: 'imsi',
          total: '12.3994',
          items: { 'plan-D 基本料金': '10', 'データ通信料 (上り)': '2.3994' },
          tags: { 'tag:name, full': 'sensor "A", yard 3', group: 'fleet-a' },
          days: { '2026-11-01': '11.8', '2026-11-02': '0.5994' },
        },
        {
          id: 'vpg-0001',
          kind: 'vpgId',
          total: '1.2',
          items: { 'VPG Type-E': '1.2' },
          tags: {},
          days: { '2026-11-02': '1.2' },
        },
        {
          id: 'dev-7',
          kind: 'deviceId',
          total: '0.0126',
          items: { 'Inventory, device': '0.0126' },
          tags: { group: 'multi\r\nline group' },
          days: { '2026-11-03': '0.0126' },
        },
      ],
      unattributed: { rowCount: 1, total: '-5' },
      billItems: [
        { name: 'plan-D 基本料金', total: '10', quantity: '1' },
        { name: 'データ通信料 (上り)', total: '2.3994', quantity: '1333' },
        { name: 'VPG Type-E', total: '1.2', quantity: '1' },
        { name: 'Inventory, device', total: '0.0126', quantity: '3' },
        { name: '無料枠', total: '-5', quantity: '1' },
      ],
      days: [
        { date: '2026-11-01', total: '11.8' },
        { date: '2026-11-02', total: '1.7994' },
        { date: '2026-11-03', total: '0.0126' },
      ],
      monthlyCharges: { rowCount: 1, total: '-5' },
      malformed: { count: 0, rows: [] },
    });
    expect(Money.of(summary.totals.amount, summary.currency).toString()).toBe('8.612 JPY');
    // The summary is plain JSON.
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });

  it('keeps daily amounts per device, and per bill item for the days asked, only when asked', () => {
    const csv = [
      'imsi,date,billItemName,unitPrice,quantity,amount,kb',
      '1,20261101,basic,10,1,10,sub-a',
      '1,20261102,basic,10,1,10,sub-a',
      '1,20261102,data,0.0018,1000,1.8,sub-a',
      '1,20261102,data,0.0018,500,0.9,sub-a',
      '1,20261103,data,0.0018,500,0.9,sub-a',
      '1,202611,discount,-1,1,-1,sub-a',
      '2,20261102,free,0,1,0,',
    ].join('\n');
    const summary = ingestText(csv, { currency: 'JPY', deviceDays: true, itemDays: { from: 2, to: 3 } });
    expect(
      summary.subscribers.map(({ id, total, days, itemDays }) => ({ id, total, days, itemDays })),
    ).toEqual([
      {
        id: '1',
        total: '22.6',
        days: { '2026-11-01': '10', '2026-11-02': '12.7', '2026-11-03': '0.9' },
        itemDays: { '2026-11-02': { basic: '10', data: '2.7' }, '2026-11-03': { data: '0.9' } },
      },
      // A day whose amounts add up to zero has nothing to report or record.
      { id: '2', total: '0', days: {}, itemDays: {} },
    ]);
    expect(Object.keys(ingestText(csv).subscribers[0]!)).not.toContain('days');
    expect(Object.keys(ingestText(csv).subscribers[0]!)).not.toContain('itemDays');
    expect(() => new SoracomCsvAggregator({ currency: 'JPY', itemDays: { from: 0, to: 3 } })).toThrow(
      /itemDays 0\.\.3/,
    );
  });

  it('sums the positive day amounts per bill item of the days before itemDays, from carryFrom, when asked', () => {
    const csv = [
      'imsi,date,billItemName,unitPrice,quantity,amount',
      '1,20261101,data,0.5,1,0.5',
      '1,20261102,data,0.5,3,1.5',
      '1,20261102,sms,-1,1,-1',
      '1,20261103,data,0.5,1,0.25',
      '1,20261103,data,0.5,1,0.5',
      '1,20261103,sms,1,1,2',
      '1,20261104,data,0.5,1,7',
      '2,20261104,data,0.5,1,1',
    ].join('\n');
    const summary = ingestText(csv, { currency: 'JPY', itemDays: { from: 4, to: 4, carryFrom: 2 } });
    expect(summary.subscribers.map(({ id, itemDays, itemCarry }) => ({ id, itemDays, itemCarry }))).toEqual([
      // Days 2 and 3: data 1.5 + 0.75; sms only the 3rd (the 2nd is negative).
      { id: '1', itemDays: { '2026-11-04': { data: '7' } }, itemCarry: { data: '2.25', sms: '2' } },
      { id: '2', itemDays: { '2026-11-04': { data: '1' } }, itemCarry: {} },
    ]);
    expect(
      Object.keys(ingestText(csv, { currency: 'JPY', itemDays: { from: 4, to: 4 } }).subscribers[0]!),
    ).not.toContain('itemCarry');
    expect(
      () => new SoracomCsvAggregator({ currency: 'JPY', itemDays: { from: 4, to: 4, carryFrom: 5 } }),
    ).toThrow(/carryFrom 5 is not a day of the month from 1 to 4/);
  });

  it('gives the same summary however the bytes are cut (inside the BOM, a CRLF, a quote, a UTF-8 character)', () => {
    const data = bytes(SAMPLE);
    const whole = ingestChunks([data]);
    for (let cut = 0; cut <= data.length; cut++) {
      expect(ingestChunks([data.subarray(0, cut), data.subarray(cut)])).toEqual(whole);
    }
    for (const size of [1, 2, 3, 5, 7]) {
      const chunks = [];
      for (let at = 0; at < data.length; at += size) chunks.push(data.subarray(at, at + size));
      expect(ingestChunks(chunks)).toEqual(whole);
    }
  });

  it('adds exactly where floats would not', () => {
    const rows = Array.from({ length: 1000 }, () => '440101234567890,20261101,data,0.1,1,0.1');
    rows.push(
      '440101234567890,20261101,data,0.2,1,0.2',
      '440101234567891,20261101,data,1,1,12345678901234567890.123456789',
    );
    const summary = ingestText(['imsi,date,billItemName,unitPrice,quantity,amount', ...rows].join('\n'));
    expect(summary.subscribers[0]?.total).toBe('100.2');
    expect(summary.totals.amount).toBe('12345678901234567990.323456789');
    // Exponents and trailing zeros read exactly too.
    const spelled = ingestText(
      [
        'imsi,date,billItemName,unitPrice,quantity,amount',
        '1,20261101,a,1.8E-7,1e3,0.10',
        '1,20261101,a,,,2.5e-1',
      ].join('\n'),
    );
    expect(spelled.totals.amount).toBe('0.35');
    expect(spelled.billItems[0]?.quantity).toBe('1000');
  });

  it('reports each malformed row with its line and reason, and reads the rest', () => {
    const csv = [
      'imsi,date,billItemName,unitPrice,quantity,amount,group',
      '1,20261101,a,1,1,1,"two',
      'lines"',
      '1,20261101,a,1,1', // line 4: a column short
      '1,2026-11-01,a,1,1,1,', // line 5
      '1,20261131,a,1,1,1,', // line 6: no 31 November
      '1,20261201,a,1,1,1,', // line 7: another month
      '1,20261101,a,1,1,"1,5",', // line 8
      '1,20261101,a,x,1,1,', // line 9
      '1,20261101,a,1,1e,1,', // line 10
      '1,20261101,,1,1,1,', // line 11
      '1,20261101,a,1,1,,', // line 12: no amount
      '1,20261101,a,1,1,1,ab"c', // line 13
      '1,20261101,a,1,1,"1"x,', // line 14
      '',
      '1,20261102,a,1,1,2,', // line 16: fine
      '1,20261102,a,1,1,1,"never closed',
      '1,20261102,a,1,1,1,',
    ].join('\r\n');
    const summary = ingestText(csv, { currency: 'EUR' });
    expect(summary.malformed).toEqual({
      count: 12,
      rows: [
        { line: 4, reason: 'expected 7 columns, found 5' },
        { line: 5, reason: 'bad date "2026-11-01" (expected yyyyMMdd or yyyyMM)' },
        { line: 6, reason: 'bad date "20261131" (expected yyyyMMdd or yyyyMM)' },
        { line: 7, reason: 'date "20261201" is outside the month 2026-11' },
        { line: 8, reason: 'bad decimal in amount: "1,5"' },
        { line: 9, reason: 'bad decimal in unitPrice: "x"' },
        { line: 10, reason: 'bad decimal in quantity: "1e"' },
        { line: 11, reason: 'empty billItemName' },
        { line: 12, reason: 'bad decimal in amount: ""' },
        { line: 13, reason: 'quote inside an unquoted field' },
        { line: 14, reason: 'text after a closing quote' },
        { line: 17, reason: 'unterminated quote at end of file' },
      ],
    });
    // The unterminated quote swallows the last line into its record.
    expect(summary.rowCount).toBe(14);
    expect(summary.totals.amount).toBe('3');
  });

  it('keeps the first maxMalformedRows malformed rows and counts them all', () => {
    const rows = Array.from({ length: 30 }, () => '1,20261101,a,1,1,bad');
    const summary = ingestText(['imsi,date,billItemName,unitPrice,quantity,amount', ...rows].join('\n'), {
      currency: 'JPY',
      maxMalformedRows: 3,
    });
    expect(summary.malformed.count).toBe(30);
    expect(summary.malformed.rows.map((row) => row.line)).toEqual([2, 3, 4]);
  });

  it('passes over a record longer than maxRecordBytes without holding it, then reads on', () => {
    const long = 'x'.repeat(5000);
    const csv = [
      'imsi,date,billItemName,unitPrice,quantity,amount,group',
      `1,20261101,a,1,1,1,"${long}\n${long}"`,
      '1,20261101,a,1,1,2,g',
      `1,20261101,a,1,1,4,"${long}`,
    ].join('\n');
    const data = bytes(csv);
    const chunks = [];
    for (let at = 0; at < data.length; at += 100) chunks.push(data.subarray(at, at + 100));
    const summary = ingestChunks(chunks, { currency: 'JPY', maxRecordBytes: 1000 });
    expect(summary.malformed.rows).toEqual([
      { line: 2, reason: 'record longer than 1000 bytes' },
      { line: 5, reason: 'unterminated quote at end of file' },
    ]);
    expect(summary.rowCount).toBe(3);
    expect(summary.totals.amount).toBe('2');
  });

  it('holds the billing month: the option, else the first dated row', () => {
    const csv = [
      'imsi,date,billItemName,unitPrice,quantity,amount',
      '1,20261030,a,1,1,1',
      '1,20261101,a,1,1,2',
    ].join('\n');
    expect(ingestText(csv).month).toBe('2026-10');
    const november = ingestText(csv, { currency: 'JPY', month: '2026-11' });
    expect(november.month).toBe('2026-11');
    expect(november.totals.amount).toBe('2');
    expect(november.malformed.rows).toEqual([
      { line: 2, reason: 'date "20261030" is outside the month 2026-11' },
    ]);
    expect(() => new SoracomCsvAggregator({ currency: 'JPY', month: 'November' })).toThrow(/yyyy-MM/);
  });

  it('finds columns by name: vpgId and the other device columns may be missing, tags are what follows amount', () => {
    const csv = [
      'imsi,deviceId,date,billItemName,unitPrice,quantity,amount,tag:fleet',
      ',d-1,20261101,a,1,1,1,north',
      ',,20261101,a,1,1,1,south',
    ].join('\n');
    const summary = ingestText(csv, { currency: 'JPY', deviceDays: true });
    expect(summary.subscribers).toEqual([
      {
        id: 'd-1',
        kind: 'deviceId',
        total: '1',
        items: { a: '1' },
        tags: { 'tag:fleet': 'north' },
        days: { '2026-11-01': '1' },
      },
    ]);
    expect(summary.unattributed).toEqual({ rowCount: 1, total: '1' });
  });

  it('refuses a file that is not a Soracom billing CSV', () => {
    expect(() => ingestText('')).toThrow(SoracomCsvFormatError);
    expect(() => ingestText('\uFEFF')).toThrow(/empty/);
    expect(() => ingestText('imsi,date,billItemName\n1,20261101,a\n')).toThrow(
      /no unitPrice, quantity, amount column/,
    );
    expect(() => new SoracomCsvAggregator({ currency: 'XYZ' })).toThrow(/ISO 4217/);
    const aggregator = new SoracomCsvAggregator({ currency: 'JPY' });
    expect(() => aggregator.write('imsi' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('reads a Node stream and a web ReadableStream', async () => {
    const whole = ingestText(SAMPLE);
    const data = bytes(SAMPLE);
    const parts = [data.subarray(0, 100), data.subarray(100, 101), data.subarray(101)];
    expect(
      await summariseSoracomCsv(Readable.from(parts.map((part) => Buffer.from(part))), { currency: 'JPY' }),
    ).toEqual(whole);
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    });
    expect(await summariseSoracomCsv(web, { currency: 'JPY' })).toEqual(whole);
  });
});
