import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimalText } from '../../../../../../lib/providers/soracom/billing-csv/parser/decimal.ts';
import {
  SORACOM_CSV_DEVICE_COLUMNS,
  SoracomCsvAggregator,
  type SoracomCsvOptions,
} from '../../../../../../lib/providers/soracom/billing-csv/parser/index.ts';
import {
  RowScanner,
  SCAN,
} from '../../../../../../lib/providers/soracom/billing-csv/parser/row-scanner/index.ts';
import { ScaledSums } from '../../../../../../lib/providers/soracom/billing-csv/parser/scaled-sums.ts';
import { referenceSummary } from '../../../../../support/soracom-csv-reference.ts';

/** big.js takes no leading "+". */
const big = (value: string) => new Big(value.replace(/^\+/, ''));

/** The device columns other than the imsi. */
const ID_COLUMNS = SORACOM_CSV_DEVICE_COLUMNS.slice(1);

/** Decimal text in every spelling the grammar allows: signs, leading/trailing zeros, ".5", "5.", exponents, long digit runs. */
const decimalText = fc
  .record({
    mantissa: fc.oneof(
      fc.bigInt(-(10n ** 6n), 10n ** 6n),
      fc.bigInt(-(10n ** 15n), 10n ** 15n),
      fc.bigInt(-(10n ** 24n), 10n ** 24n),
    ),
    places: fc.integer({ min: 0, max: 12 }),
    trailingZeros: fc.integer({ min: 0, max: 3 }),
    leadingZeros: fc.integer({ min: 0, max: 2 }),
    plus: fc.boolean(),
    // Within the supported range: |value| < 10^30, at most 30 places.
    exponent: fc.option(fc.integer({ min: -8, max: 5 }), { freq: 5 }),
  })
  .map(({ mantissa, places, trailingZeros, leadingZeros, plus, exponent }) => {
    const sign = mantissa < 0n ? '-' : plus ? '+' : '';
    let digits = (mantissa < 0n ? -mantissa : mantissa).toString().padStart(places + 1, '0');
    digits = '0'.repeat(leadingZeros) + digits + '0'.repeat(trailingZeros);
    const point = digits.length - places - trailingZeros;
    const fraction = digits.slice(point);
    const body = fraction === '' ? digits : `${digits.slice(0, point)}.${fraction}`;
    return exponent === null ? sign + body : `${sign}${body}e${exponent}`;
  });
const badDecimal = fc.constantFrom(
  '1,5',
  'abc',
  '1.2.3',
  ' 1',
  '--1',
  '1e',
  '.',
  '+',
  '0x10',
  '１２',
  '1e+',
  '1_000',
  // Out of range: 30 integer digits, 31 places.
  '1e30',
  '-1234567890123456789012345678901',
  '1e-31',
  '0.0000000000000000000000000000001',
);
const maybeBadDecimal = fc.oneof(
  { weight: 12, arbitrary: decimalText },
  { weight: 1, arbitrary: badDecimal },
);

const text = (units: string[], maxLength: number) =>
  fc.array(fc.constantFrom(...units), { maxLength }).map((parts) => parts.join(''));
const tagValue = text(['a', 'B', ' ', ',', '"', '\n', '\r\n', 'é', '日', '😀', '-'], 6);
const tagName = fc.oneof(
  fc.constantFrom('group', 'tag:fleet', 'name', 'tag:"x"'),
  text(['t', 'a', 'g', ':', ' ', ',', '"', 'ü'], 5).filter((name) => name !== ''),
);

const row = (tagCount: number, otherIds: number) =>
  fc.record({
    imsi: fc.constantFrom('440101234567890', '440101234567891', '295050912345678', '', '', ''),
    otherIds: fc.array(fc.constantFrom('', '', '', '', 'vpg-1', 'dev "x"', 'ｄｅｖ-２', '4401'), {
      minLength: otherIds,
      maxLength: otherIds,
    }),
    date: fc.oneof(
      {
        weight: 20,
        arbitrary: fc.integer({ min: 1, max: 30 }).map((day) => `202611${String(day).padStart(2, '0')}`),
      },
      { weight: 3, arbitrary: fc.constant('202611') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('20261131', '2026110', 'abc', '20261201', '', '202613', '00001101'),
      },
    ),
    item: fc.constantFrom('plan01s basic', 'data, up', 'SMS "MT"', 'データ通信料', 'multi\nline', 'x', ''),
    unitPrice: fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 6, arbitrary: maybeBadDecimal }),
    quantity: fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 6, arbitrary: maybeBadDecimal }),
    amount: maybeBadDecimal,
    tags: fc.array(tagValue, { minLength: tagCount, maxLength: tagCount }),
    /** -1 drops the last field, 1 adds one, 0 keeps the count (wrong column counts are malformed). */
    columnCountError: fc.oneof(
      { weight: 20, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.constantFrom(-1, 1) },
    ),
    blankLineBefore: fc.oneof(
      { weight: 15, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
  });

const csvFile = fc
  .record({
    tagNames: fc.array(tagName, { maxLength: 3 }),
    otherIdColumns: fc.subarray(ID_COLUMNS),
    bom: fc.boolean(),
    newline: fc.constantFrom('\r\n', '\n'),
    trailingNewline: fc.boolean(),
    quoteProbability: fc.constantFrom(0, 0.1, 0.5, 1),
    seed: fc.integer(),
  })
  .chain((file) =>
    fc.record({
      file: fc.constant(file),
      rows: fc.array(row(file.tagNames.length, file.otherIdColumns.length), { maxLength: 40 }),
    }),
  )
  .map(({ file, rows }) => {
    let random = file.seed;
    // Quoting a field that does not need it must change nothing; which ones is decided by the seed.
    const quoteAnyway = () => {
      random = (Math.imul(random, 1103515245) + 12345) | 0;
      return ((random >>> 8) & 0xffff) / 0x10000 < file.quoteProbability;
    };
    const field = (value: string) =>
      /[",\r\n]/.test(value) || quoteAnyway() ? `"${value.replaceAll('"', '""')}"` : value;
    const header = [
      'imsi',
      ...file.otherIdColumns,
      'date',
      'billItemName',
      'unitPrice',
      'quantity',
      'amount',
      ...file.tagNames,
    ];
    const lines = [header.map(field).join(',')];
    for (const row of rows) {
      const values = [
        row.imsi,
        ...row.otherIds,
        row.date,
        row.item,
        row.unitPrice,
        row.quantity,
        row.amount,
        ...row.tags,
      ];
      if (row.columnCountError < 0) values.pop();
      if (row.columnCountError > 0) values.push('extra');
      if (row.blankLineBefore) lines.push('');
      // A record of one empty field would be a blank line.
      lines.push(values.length === 1 && values[0] === '' ? '""' : values.map(field).join(','));
    }
    const body = lines.join(file.newline) + (file.trailingNewline ? file.newline : '');
    return (file.bom ? '\uFEFF' : '') + body;
  });

/** The bytes cut at the given places (anywhere: inside quotes, a CRLF, a UTF-8 character, the BOM). */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

function ingest(chunks: Uint8Array[], options: SoracomCsvOptions) {
  const aggregator = new SoracomCsvAggregator(options);
  for (const chunk of chunks) aggregator.write(chunk);
  return aggregator.end();
}

/** An itemDays option starting by `maxFrom`, with or without a carry from an earlier day. */
const itemDaysOption = (maxFrom: number) =>
  fc
    .record({
      from: fc.integer({ min: 1, max: maxFrom }),
      to: fc.integer({ min: 0, max: 31 }),
      carry: fc.option(fc.integer({ min: 1, max: 31 }), { nil: undefined }),
    })
    .map(({ from, to, carry }) =>
      carry === undefined ? { from, to } : { from, to, carryFrom: Math.min(carry, from) },
    );

describe('Soracom CSV ingest against the csv-parse + big.js reference', () => {
  it('gives the same summary for random files cut into random chunks', () => {
    fc.assert(
      fc.property(
        csvFile,
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.constantFrom(undefined, '2026-11'),
        fc.integer({ min: 0, max: 5 }),
        fc.option(itemDaysOption(31), { nil: undefined }),
        fc.boolean(),
        (csv, cuts, month, maxMalformedRows, itemDays, deviceDays) => {
          const options = { currency: 'JPY', month, maxMalformedRows, itemDays, deviceDays };
          const bytes = new TextEncoder().encode(csv);
          expect(ingest(chunked(bytes, cuts), options)).toEqual(referenceSummary(csv, options));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('gives the same summary when every byte is its own chunk', () => {
    fc.assert(
      fc.property(csvFile, (csv) => {
        const bytes = new TextEncoder().encode(csv);
        const chunks = Array.from(bytes, (_, index) => bytes.subarray(index, index + 1));
        expect(ingest(chunks, { currency: 'USD' })).toEqual(referenceSummary(csv, { currency: 'USD' }));
      }),
      { numRuns: 60 },
    );
  });

  // A record per chunk: each is split on its own, so the scanner's memory of the previous row (its
  // device, the bill items it numbered, the last date) carries across calls. Few days, items and
  // devices make every row repeat one of them.
  const repetitiveFile = fc
    .array(
      fc.record({
        // Ids that are prefixes of each other, the same bytes in two columns (two devices), quoted spellings.
        device: fc.constantFrom(
          '440101234567890,',
          '"440101234567890",',
          '4401,',
          ',4401',
          ',vpg-1',
          ',"dev ""x"""',
          ',',
        ),
        day: fc.integer({ min: 1, max: 3 }).map((day) => `2026110${day}`),
        item: fc.constantFrom('a', 'b', '"c, d"', ''),
        // Mostly short amounts: the ones the scanner reads itself.
        amount: fc.oneof(
          { weight: 8, arbitrary: fc.stringMatching(/^-?[0-9]{1,4}(\.[0-9]{1,3})?$/) },
          { weight: 1, arbitrary: maybeBadDecimal },
        ),
        quantity: fc.oneof(fc.constant(''), fc.stringMatching(/^[0-9]{1,6}$/), decimalText),
      }),
      { maxLength: 60 },
    )
    .map((rows) =>
      [
        'imsi,vpgId,date,billItemName,unitPrice,quantity,amount',
        ...rows.map((row) => `${row.device},${row.day},${row.item},1,${row.quantity},${row.amount}`),
      ].join('\n'),
    );

  it('gives the same summary when every record is its own chunk, with every option', () => {
    fc.assert(
      fc.property(
        fc.oneof(csvFile, repetitiveFile),
        fc.option(itemDaysOption(3), { nil: undefined }),
        fc.boolean(),
        (csv, itemDays, deviceDays) => {
          const options = { currency: 'USD', itemDays, deviceDays };
          const bytes = new TextEncoder().encode(csv);
          const chunks: Uint8Array[] = [];
          let from = 0;
          for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) {
            chunks.push(bytes.subarray(from, at + 1));
            from = at + 1;
          }
          chunks.push(bytes.subarray(from));
          expect(ingest(chunks, options)).toEqual(referenceSummary(csv, options));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('exact decimals', () => {
  /** Reads one amount the way the ingest does: by the row scanner, else (long values, exponents) from its text. */
  function read(value: string): { mantissa: bigint; scale: number } | null {
    const scanner = new RowScanner();
    const field = `"${value.replaceAll('"', '""')}"`;
    scanner.append(new TextEncoder().encode(`x,20261101,item,0,1,${field}\n`));
    scanner.configure({ count: 6, date: 1, item: 2, unitPrice: 3, quantity: 4, amount: 5 }, [0]);
    let exact: { mantissa: bigint; scale: number } | null = null;
    scanner.scanRows(7, true, (rows) => {
      expect(rows).toBe(1);
      const row = scanner.tapeInts;
      expect(scanner.ints[row + SCAN.ROW_FIELDS]).toBe(6);
      const status = scanner.ints[row + SCAN.ROW_AMOUNT_STATUS];
      if (status === SCAN.DECIMAL_OK) {
        exact = {
          mantissa: BigInt(scanner.floats[row / 2 + SCAN.ROW_AMOUNT_MANTISSA]!),
          scale: scanner.ints[row + SCAN.ROW_AMOUNT_SCALE]!,
        };
      } else if (status === SCAN.DECIMAL_LONG) {
        exact = parseDecimalText(value);
      }
    });
    return exact;
  }

  it('reads short fields (one 8-byte word) as the text reader does, valid or not', () => {
    const shortText = fc
      .stringMatching(/^[+-]?[0-9]{0,5}\.?[0-9]{0,5}[0.eE]?$/)
      .filter((text) => text !== '');
    fc.assert(
      fc.property(shortText, (value) => {
        expect(read(value)).toEqual(parseDecimalText(value));
      }),
      // Each run scans a row with a fresh scanner; a thousand of these short texts (each seed anew) keep
      // the unit tests within their 20 s.
      { numRuns: 1000 },
    );
  });

  it('reads every decimal spelling to the value big.js reads', () => {
    fc.assert(
      fc.property(decimalText, (value) => {
        const exact = read(value);
        expect(exact).not.toBeNull();
        expect(new Big(exact!.mantissa.toString()).div(new Big(10).pow(exact!.scale)).eq(big(value))).toBe(
          true,
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects what is not a decimal', () => {
    fc.assert(
      fc.property(badDecimal, (value) => {
        expect(read(value)).toBeNull();
      }),
    );
  });

  it('adds exactly through scale changes and float overflow into BigInt', () => {
    fc.assert(
      fc.property(fc.array(decimalText, { minLength: 1, maxLength: 60 }), (values) => {
        const sums = new ScaledSums(1);
        const slots = [sums.allocate(), sums.allocate()];
        let expected = new Big(0);
        values.forEach((value, index) => {
          const exact = read(value)!;
          const slot = slots[index % 2]!;
          const aligned =
            exact.mantissa >= -(2n ** 52n) && exact.mantissa <= 2n ** 52n
              ? sums.align(Number(exact.mantissa), exact.scale)
              : Number.NaN;
          if (Number.isNaN(aligned)) sums.addAlignedBig(slot, sums.alignBig(exact.mantissa, exact.scale));
          else sums.addAligned(slot, aligned);
          expected = expected.plus(big(value));
        });
        const total = new Big(sums.sumText(slots));
        expect(total.eq(expected)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
