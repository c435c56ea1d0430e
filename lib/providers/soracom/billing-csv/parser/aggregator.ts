import { currencyCode } from '../../../../money/index.ts';
import { ByteKeyTable } from './byte-key-table.ts';
import { parseDecimalText } from './decimal.ts';
import { RowScanner, SCAN } from './row-scanner/index.ts';
import { type ExactDecimal, ScaledSums } from './scaled-sums.ts';
import type {
  SoracomCsvMalformedRow,
  SoracomCsvSubscriber,
  SoracomCsvSummary,
  SoracomSubscriberKind,
} from './summary.ts';

export interface SoracomCsvOptions {
  /** The bill's currency (the CSV does not say): JPY, USD or EUR for Soracom. */
  currency: string;
  /** The billing month ("2026-11" or "202611"); rows dated in another month are malformed. Default: the first dated row's. */
  month?: string;
  /** How many malformed rows to keep with their line and reason (all are counted). Default 20. */
  maxMalformedRows?: number;
  /** A record longer than this is reported as malformed without being held in memory. Default 1 MiB. */
  maxRecordBytes?: number;
  /**
   * Give each device's amount per day (`days` of the summary's devices), e.g. for daily per-SIM
   * budgets. Default false: a fleet of 100k SIMs has 3M of them, which costs time and space that
   * monthly budgets do not need.
   */
  deviceDays?: boolean;
  /**
   * Days of the month (1-31, inclusive) for which to keep each device's amount per bill item per day
   * (`itemDays` of the summary's devices), e.g. for chargeback. Memory grows with devices × items ×
   * days, so ask only for the days needed. Default: none.
   *
   * With `carryFrom` (a day from 1 to `from`), also each device's positive day amounts per bill item
   * summed over days carryFrom..from-1 (`itemCarry`): what a running total of the days before needs.
   * Those days cost parse memory as the days asked for do (a number per device × item × day), but
   * nothing in the summary.
   */
  itemDays?: { from: number; to: number; carryFrom?: number };
}

/** The file cannot be read as a Soracom billing CSV at all (no header, or one without the amount columns). */
export class SoracomCsvFormatError extends Error {
  constructor(message: string) {
    super(`Soracom billing CSV: ${message}`);
    this.name = 'SoracomCsvFormatError';
  }
}

/** Device id columns in the order that picks a row's subscriber: the imsi first, then the others. */
export const ID_COLUMNS: readonly SoracomSubscriberKind[] = [
  'imsi',
  'vpgId',
  'loraGatewayId',
  'loraDeviceId',
  'sigfoxDeviceId',
  'deviceId',
  'gadgetId',
  'soraCamDeviceId',
];
const REQUIRED_COLUMNS = ['date', 'billItemName', 'unitPrice', 'quantity', 'amount'] as const;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf];
const NEWLINE = new Uint8Array([LF]);

const {
  SYNTAX_OK,
  MONTHLY_ROW,
  OTHER_MONTH,
  DECIMAL_OK,
  DECIMAL_EMPTY,
  DECIMAL_LONG,
  DECIMAL_INVALID,
  ROW_START,
  ROW_LINE,
  ROW_FIELDS,
  ROW_SYNTAX,
  ROW_ESCAPED,
  ROW_DAY,
  ROW_AMOUNT_STATUS,
  ROW_AMOUNT_SCALE,
  ROW_QUANTITY_STATUS,
  ROW_QUANTITY_SCALE,
  ROW_UNIT_PRICE_STATUS,
  ROW_ITEM_START,
  ROW_ITEM_END,
  ROW_DEVICE_COLUMN,
  ROW_DEVICE_START,
  ROW_DEVICE_END,
  ROW_DEVICE_SAME,
  ROW_ITEM,
  ROW_AMOUNT_MANTISSA,
  ROW_QUANTITY_MANTISSA,
} = SCAN;
const SYNTAX_REASONS: Record<number, string> = {
  [SCAN.SYNTAX_UNTERMINATED]: 'unterminated quote at end of file',
  [SCAN.SYNTAX_TEXT_AFTER_QUOTE]: 'text after a closing quote',
  [SCAN.SYNTAX_STRAY_QUOTE]: 'quote inside an unquoted field',
};

/** Where a decimal's status, scale (i32 slots) and mantissa (f64 slot) are on a row of the tape. */
interface DecimalSlots {
  status: number;
  scale: number;
  mantissa: number;
}
const AMOUNT_SLOTS: DecimalSlots = {
  status: ROW_AMOUNT_STATUS,
  scale: ROW_AMOUNT_SCALE,
  mantissa: ROW_AMOUNT_MANTISSA,
};
const QUANTITY_SLOTS: DecimalSlots = {
  status: ROW_QUANTITY_STATUS,
  scale: ROW_QUANTITY_SCALE,
  mantissa: ROW_QUANTITY_MANTISSA,
};

const ESCAPED_BEYOND_31 = 1 << 31;
const DEFAULT_MAX_RECORD_BYTES = 1 << 20;

/**
 * Streaming, constant-memory reader of a Soracom detailed-billing CSV export: feed it the bytes in
 * chunks of any size (`write`), then `end()` gives the summary. Works on the bytes directly: the
 * WebAssembly row scanner splits records and reads each row's date and decimals (as exact scaled
 * integers) onto a row tape; device ids and item names are interned without decoding; strings are
 * made only for new keys and for the summary.
 */
export class SoracomCsvAggregator {
  private readonly currency: string;
  private readonly maxMalformedRows: number;
  private readonly maxRecordBytes: number;

  // Splitting: the scanner's memory holds the bytes not yet split and the rows split.
  private readonly scanner = new RowScanner();
  private atStreamStart = true;
  /** Field-end slots per row while looking for the header (grown for a wider one). */
  private headerStride = 64;
  /** The current row: where its tape slots start (i32 index; f64 index is half), its field ends and its first byte. */
  private rowAt = 0;
  private fieldEndsAt = 0;
  private recordStart = 0;
  /** Set by `span`: the content of one field (quotes excluded). */
  private spanStart = 0;
  private spanEnd = 0;
  /**
   * Bit per field (the first 31) of the current record that has a doubled quote inside, so needs
   * unescaping; fields from the 32nd on count as escaped when any is (unescaping a field without
   * doubled quotes changes nothing).
   */
  private escapedFields = 0;
  /** Set while passing over a record too long to hold. */
  private overlong: { line: number; lines: number; inQuote: boolean } | null = null;

  // Header.
  private columnCount = -1;
  private tagNames: string[] = [];
  private tagColumns: number[] = [];
  private idColumns: number[] = [];
  private idKinds: number[] = [];
  private dateColumn = 0;
  private itemColumn = 0;
  private unitPriceColumn = 0;
  private quantityColumn = 0;
  private amountColumn = 0;

  // Month.
  private yearMonth = 0;
  private daysInMonth = 0;

  // Sums: amounts and quantities each have their own scale (quantities are mostly whole bytes).
  private readonly amounts = new ScaledSums();
  private readonly quantities = new ScaledSums();
  private readonly daySlots = new Int32Array(32).fill(-1);
  private readonly monthlySlot: number;
  private readonly unattributedSlot: number;
  private rowCount = 0;
  private monthlyRowCount = 0;
  private unattributedRowCount = 0;

  private readonly items = new ByteKeyTable(64);
  /** The item of each of the scanner's item numbers (-1: not seen yet). */
  private readonly itemOfScannerItem = new Int32Array(SCAN.MAX_ITEMS).fill(-1);
  private readonly itemTotalSlots: number[] = [];
  private readonly itemQuantitySlots: number[] = [];

  /**
   * Per subscriber: kind, day slots, first and last (item, slot) node and interned tag values. Its
   * amounts are kept per day in `dayBlock` consecutive slots from its first: the month's rows (dated
   * yyyyMM) at offset 0, day d at offset d; its total is their sum.
   */
  private readonly subscribers = new ByteKeyTable();
  private subscriberKinds = new Uint8Array(1024);
  private subscriberDaySlots = new Int32Array(1024);
  private dayBlock = 0;
  private subscriberFirstNodes = new Int32Array(1024);
  private subscriberLastNodes = new Int32Array(1024);
  private subscriberTags = new Int32Array(0);
  private previousSubscriber = -1;
  /** Whether previousSubscriber is the device of the previous row the scanner read (a rejected row has none). */
  private previousSubscriberRead = false;
  /** Singly linked (item, amount slot) lists, one per subscriber: a device has only a few items. */
  private nodeItems = new Int32Array(4096);
  private nodeNexts = new Int32Array(4096);
  private nodeSlots = new Int32Array(4096);
  private nodeCount = 0;
  /** With the `itemDays` option (else empty): per node, the first of its slots for days itemSlotsFrom..itemSlotsTo. */
  private nodeDaySlots = new Int32Array(0);
  /** The days `itemDays` gives. */
  private readonly itemDaysFrom: number;
  private readonly itemDaysTo: number;
  /** The days kept per node: those of `itemDays`, and from `carryFrom` on the days it sums. */
  private readonly itemSlotsFrom: number;
  private readonly itemSlotsTo: number;
  private readonly itemCarry: boolean;
  private readonly deviceDays: boolean;
  private readonly tagValues = new ByteKeyTable(256);

  private malformedCount = 0;
  private readonly malformedRows: SoracomCsvMalformedRow[] = [];

  private readonly amountValue: ExactDecimal = { mantissa: 0, big: null, scale: 0 };
  private readonly quantityValue: ExactDecimal = { mantissa: 0, big: null, scale: 0 };
  private readonly decoder = new TextDecoder();
  private scratch = new Uint8Array(256);

  constructor(options: SoracomCsvOptions) {
    this.currency = currencyCode(options.currency);
    this.maxMalformedRows = options.maxMalformedRows ?? 20;
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (options.month !== undefined) {
      const match = /^(\d{4})-?(\d{2})$/.exec(options.month);
      const month = match ? Number(match[2]) : 0;
      if (!match || month < 1 || month > 12 || Number(match[1]) < 1000) {
        throw new RangeError(`month "${options.month}" is not a month; write it as yyyy-MM, e.g. 2026-11`);
      }
      this.setMonth(Number(match[1]) * 100 + month);
    }
    this.monthlySlot = this.amounts.allocate();
    this.unattributedSlot = this.amounts.allocate();
    // Without the option, an empty range whose first comparison fails for every day.
    const { from, to, carryFrom = from } = options.itemDays ?? { from: 32, to: 0 };
    if (options.itemDays && !(Number.isInteger(from) && Number.isInteger(to) && from >= 1 && to <= 31)) {
      throw new RangeError(`itemDays ${from}..${to} is not a range of days of the month (1-31)`);
    }
    if (!(Number.isInteger(carryFrom) && carryFrom >= 1 && carryFrom <= from)) {
      throw new RangeError(`itemDays carryFrom ${carryFrom} is not a day of the month from 1 to ${from}`);
    }
    this.deviceDays = options.deviceDays ?? false;
    this.itemDaysFrom = from;
    this.itemDaysTo = to;
    this.itemCarry = options.itemDays?.carryFrom !== undefined;
    this.itemSlotsFrom = carryFrom;
    this.itemSlotsTo = this.itemCarry ? Math.max(to, from - 1) : to;
    if (options.itemDays) this.nodeDaySlots = new Int32Array(this.nodeItems.length);
  }

  /** Takes the next bytes of the file; a chunk may end anywhere (inside a quote, a CRLF or a UTF-8 character). */
  write(chunk: Uint8Array): void {
    if (!(chunk instanceof Uint8Array))
      throw new TypeError('Soracom billing CSV: expected bytes (Uint8Array)');
    let input = chunk;
    if (this.overlong) {
      const pos = this.passOverlongRecord(input, 0);
      if (pos < 0) return;
      input = input.subarray(pos);
    }
    this.scanner.append(input);
    if (this.atStreamStart) {
      // Wait for three bytes before deciding whether the file starts with a byte order mark.
      const pending = this.scanner.pending();
      if (pending.length < BOM.length && startsWithBomPart(pending, pending.length)) return;
      this.dropBom();
    }
    this.consume(false);
    if (this.scanner.pendingLength > this.maxRecordBytes) this.startOverlongRecord();
  }

  /** The summary of everything written. */
  end(): SoracomCsvSummary {
    if (this.atStreamStart) this.dropBom();
    if (this.overlong) {
      const { line, inQuote } = this.overlong;
      this.overlong = null;
      this.rowCount++;
      this.reject(line, inQuote ? SYNTAX_REASONS[SCAN.SYNTAX_UNTERMINATED]! : this.overlongReason());
    } else if (this.scanner.pendingLength > 0) {
      // The last record, ended with a newline when the file does not.
      const pending = this.scanner.pending();
      if (pending[pending.length - 1] !== LF) this.scanner.append(NEWLINE);
      this.consume(true);
    }
    if (this.columnCount < 0) throw new SoracomCsvFormatError('the file is empty (no header row)');
    return this.summary();
  }

  private dropBom(): void {
    this.atStreamStart = false;
    if (startsWithBomPart(this.scanner.pending(), BOM.length)) this.scanner.dropPending(BOM.length);
  }

  /**
   * Splits and processes every complete pending record; an incomplete last one stays pending for
   * the next chunk. With `atEnd` the input ends with a newline (end() adds one) and a quote still
   * open there is an error, not a wait.
   */
  private consume(atEnd: boolean): void {
    if (this.columnCount < 0 && !this.findHeader(atEnd)) return;
    this.scanner.scanRows(this.rowStride(), atEnd, this.takeRows);
  }

  /** Reads the header when its record is complete; returns whether it is. */
  private findHeader(atEnd: boolean): boolean {
    const scanner = this.scanner;
    const line = scanner.line;
    for (;;) {
      if (!scanner.scanFirst(this.headerStride, atEnd)) return false;
      this.atRow(0);
      const fields = scanner.ints[this.rowAt + ROW_FIELDS]!;
      const syntax = scanner.ints[this.rowAt + ROW_SYNTAX]!;
      if (fields <= this.headerStride || syntax !== SYNTAX_OK) {
        this.readHeader(scanner.bytes, fields, syntax);
        scanner.dropFirst();
        return true;
      }
      // More header columns than field slots: make room and split the header again.
      this.headerStride = fields;
      scanner.line = line;
    }
  }

  /** Processes the rows the scanner put on its tape. */
  private readonly takeRows = (rows: number): void => {
    const buf = this.scanner.bytes;
    for (let row = 0; row < rows; row++) {
      this.atRow(row);
      this.row(buf);
    }
  };

  /** Makes a row of the scanner's tape the current one. */
  private atRow(row: number): void {
    const scanner = this.scanner;
    this.rowAt = scanner.tapeInts + row * scanner.rowInts;
    const ints = scanner.ints;
    this.recordStart = ints[this.rowAt + ROW_START]!;
    this.escapedFields = ints[this.rowAt + ROW_ESCAPED]!;
    this.fieldEndsAt = scanner.endsInts + row * this.rowStride();
  }

  /** Field-end slots per row on the tape: the header's until it is read, then a column more than the header has. */
  private rowStride(): number {
    return this.columnCount < 0 ? this.headerStride : this.columnCount + 1;
  }

  private row(buf: Uint8Array): void {
    const ints = this.scanner.ints;
    const at = this.rowAt;
    const line = ints[at + ROW_LINE]!;
    this.rowCount++;
    const syntax = ints[at + ROW_SYNTAX]!;
    if (syntax !== SYNTAX_OK) {
      this.reject(line, SYNTAX_REASONS[syntax]!);
      return;
    }
    const fields = ints[at + ROW_FIELDS]!;
    if (fields !== this.columnCount) {
      this.reject(line, `expected ${this.columnCount} columns, found ${fields}`);
      return;
    }
    // The scanner read this row: whether its device is the previous row's is known from here on.
    const sameDevice = this.previousSubscriberRead && ints[at + ROW_DEVICE_SAME] === 1;
    this.previousSubscriberRead = false;
    const day = ints[at + ROW_DAY]!;
    // The scanner sets the month from the first dated row.
    if (this.yearMonth === 0 && this.scanner.month() !== 0) this.setMonth(this.scanner.month());
    if (day < MONTHLY_ROW) {
      const text = JSON.stringify(this.fieldText(buf, this.dateColumn));
      this.reject(
        line,
        day === OTHER_MONTH
          ? `date ${text} is outside the month ${formatYearMonth(this.yearMonth)}`
          : `bad date ${text} (expected yyyyMMdd or yyyyMM)`,
      );
      return;
    }

    const amount = this.amountValue;
    if (this.readDecimal(buf, AMOUNT_SLOTS, this.amountColumn, amount) !== DECIMAL_OK) {
      this.rejectDecimal(buf, line, this.amountColumn, 'amount');
      return;
    }
    const quantity = this.quantityValue;
    const quantityStatus = this.readDecimal(buf, QUANTITY_SLOTS, this.quantityColumn, quantity);
    if (quantityStatus === DECIMAL_INVALID) {
      this.rejectDecimal(buf, line, this.quantityColumn, 'quantity');
      return;
    }
    if (ints[at + ROW_UNIT_PRICE_STATUS] === DECIMAL_INVALID) {
      this.rejectDecimal(buf, line, this.unitPriceColumn, 'unitPrice');
      return;
    }
    if (ints[at + ROW_UNIT_PRICE_STATUS] === DECIMAL_LONG) {
      if (parseDecimalText(this.fieldText(buf, this.unitPriceColumn)) === null) {
        this.rejectDecimal(buf, line, this.unitPriceColumn, 'unitPrice');
        return;
      }
    }

    if (ints[at + ROW_ITEM_START] === ints[at + ROW_ITEM_END]) {
      this.reject(line, 'empty billItemName');
      return;
    }
    const scannerItem = ints[at + ROW_ITEM]!;
    let item = scannerItem >= 0 ? this.itemOfScannerItem[scannerItem]! : -1;
    if (item < 0) {
      item = this.internItem(buf);
      if (scannerItem >= 0) this.itemOfScannerItem[scannerItem] = item;
    }
    const subscriber = sameDevice ? this.previousSubscriber : this.internSubscriber(buf);
    this.previousSubscriberRead = true;

    const amounts = this.amounts;
    let periodSlot = this.monthlySlot;
    if (day === MONTHLY_ROW) this.monthlyRowCount++;
    else {
      periodSlot = this.daySlots[day]!;
      if (periodSlot < 0) periodSlot = this.daySlots[day] = amounts.allocate();
    }
    let ownerSlot = this.unattributedSlot;
    let ownerItemSlot = -1;
    let ownerItemDaySlot = -1;
    if (subscriber < 0) this.unattributedRowCount++;
    else {
      ownerSlot = this.subscriberDaySlots[subscriber]! + day;
      const node = this.subscriberItemNode(subscriber, item);
      ownerItemSlot = this.nodeSlots[node]!;
      if (day >= this.itemSlotsFrom && day <= this.itemSlotsTo) {
        ownerItemDaySlot = this.nodeDaySlots[node]! + day - this.itemSlotsFrom;
      }
    }

    amounts.add(amount, periodSlot, ownerSlot, this.itemTotalSlots[item]!, ownerItemSlot, ownerItemDaySlot);
    if (quantityStatus !== DECIMAL_EMPTY) this.quantities.add(quantity, this.itemQuantitySlots[item]!);
  }

  /**
   * A decimal of the current row, as the scanner read it, into `into`: DECIMAL_OK, DECIMAL_EMPTY or
   * DECIMAL_INVALID. Values too long for the scanner are read from the field's text.
   */
  private readDecimal(buf: Uint8Array, slots: DecimalSlots, column: number, into: ExactDecimal): number {
    const ints = this.scanner.ints;
    const status = ints[this.rowAt + slots.status]!;
    if (status === DECIMAL_OK) {
      into.mantissa = this.scanner.floats[this.rowAt / 2 + slots.mantissa]!;
      into.big = null;
      into.scale = ints[this.rowAt + slots.scale]!;
      return DECIMAL_OK;
    }
    if (status !== DECIMAL_LONG) return status;
    const exact = parseDecimalText(this.fieldText(buf, column));
    if (exact === null) return DECIMAL_INVALID;
    into.big = exact.mantissa;
    into.scale = exact.scale;
    return DECIMAL_OK;
  }

  private setMonth(yearMonth: number): void {
    this.yearMonth = yearMonth;
    this.daysInMonth = this.scanner.setMonth(yearMonth);
    this.dayBlock = this.daysInMonth + 1;
  }

  /** Interns the current row's item from its bytes (the scanner numbers the common ones). */
  private internItem(buf: Uint8Array): number {
    this.span(buf, this.itemColumn);
    const known = this.items.size;
    const item = this.internField(this.items, buf, this.itemColumn, 0);
    if (item === known) {
      this.itemTotalSlots.push(this.amounts.allocate());
      this.itemQuantitySlots.push(this.quantities.allocate());
    }
    return item;
  }

  /** The row's subscriber (the scanner found its first non-empty id column), or -1 when it names no device. */
  private internSubscriber(buf: Uint8Array): number {
    const ints = this.scanner.ints;
    const index = ints[this.rowAt + ROW_DEVICE_COLUMN]!;
    if (index < 0) return -1;
    const column = this.idColumns[index]!;
    const kind = this.idKinds[index]!;
    this.spanStart = ints[this.rowAt + ROW_DEVICE_START]!;
    this.spanEnd = ints[this.rowAt + ROW_DEVICE_END]!;
    // Devices come in the same order every day: when the device changes, the one first seen after
    // the previous one usually matches without a hash lookup (which in a table of 100k devices is a
    // cache miss). (The scanner says when a row's device is the previous row's.)
    const next = this.previousSubscriber + 1;
    if (
      next > 0 &&
      next < this.subscribers.size &&
      !this.isEscaped(column) &&
      this.isSubscriber(next, kind, buf)
    ) {
      this.previousSubscriber = next;
      return next;
    }
    const known = this.subscribers.size;
    const subscriber = this.internField(this.subscribers, buf, column, kind);
    if (subscriber === known) this.addSubscriber(buf, subscriber, kind);
    this.previousSubscriber = subscriber;
    return subscriber;
  }

  /** Whether the field last given to `span` names this subscriber. */
  private isSubscriber(subscriber: number, kind: number, buf: Uint8Array): boolean {
    return (
      this.subscriberKinds[subscriber] === kind &&
      this.subscribers.matches(subscriber, buf, this.spanStart, this.spanEnd)
    );
  }

  private internField(table: ByteKeyTable, buf: Uint8Array, column: number, group: number): number {
    const start = this.spanStart;
    const end = this.spanEnd;
    if (!this.isEscaped(column)) return table.intern(buf, start, end, group);
    const length = this.unescapeToScratch(buf, start, end);
    return table.intern(this.scratch, 0, length, group);
  }

  private addSubscriber(buf: Uint8Array, subscriber: number, kind: number): void {
    const tagCount = this.tagColumns.length;
    if (subscriber === this.subscriberKinds.length) {
      const capacity = subscriber * 2;
      this.subscriberKinds = grown(this.subscriberKinds, new Uint8Array(capacity));
      this.subscriberDaySlots = grown(this.subscriberDaySlots, new Int32Array(capacity));
      this.subscriberFirstNodes = grown(this.subscriberFirstNodes, new Int32Array(capacity));
      this.subscriberLastNodes = grown(this.subscriberLastNodes, new Int32Array(capacity));
    }
    if ((subscriber + 1) * tagCount > this.subscriberTags.length) {
      this.subscriberTags = grown(
        this.subscriberTags,
        new Int32Array(this.subscriberKinds.length * tagCount),
      );
    }
    this.subscriberKinds[subscriber] = kind;
    this.subscriberDaySlots[subscriber] = this.amounts.allocateBlock(this.dayBlock);
    this.subscriberFirstNodes[subscriber] = -1;
    this.subscriberLastNodes[subscriber] = -1;
    for (let tag = 0; tag < tagCount; tag++) {
      const column = this.tagColumns[tag]!;
      this.span(buf, column);
      let value = -1;
      if (this.spanStart !== this.spanEnd) {
        // Fleet, group and similar values recur across thousands of devices: kept once each.
        value = this.internField(this.tagValues, buf, column, 0);
      }
      this.subscriberTags[subscriber * tagCount + tag] = value;
    }
  }

  /** The subscriber's (item, slot) node for the item, added when new. */
  private subscriberItemNode(subscriber: number, item: number): number {
    const items = this.nodeItems;
    const nexts = this.nodeNexts;
    let node = this.subscriberFirstNodes[subscriber]!;
    while (node >= 0) {
      if (items[node] === item) return node;
      node = nexts[node]!;
    }
    node = this.nodeCount++;
    if (node === this.nodeItems.length) {
      const capacity = node * 2;
      this.nodeItems = grown(this.nodeItems, new Int32Array(capacity));
      this.nodeNexts = grown(this.nodeNexts, new Int32Array(capacity));
      this.nodeSlots = grown(this.nodeSlots, new Int32Array(capacity));
      if (this.nodeDaySlots.length > 0)
        this.nodeDaySlots = grown(this.nodeDaySlots, new Int32Array(capacity));
    }
    this.nodeItems[node] = item;
    this.nodeSlots[node] = this.amounts.allocate();
    if (this.nodeDaySlots.length > 0) {
      this.nodeDaySlots[node] = this.amounts.allocateBlock(
        Math.max(this.itemSlotsTo - this.itemSlotsFrom + 1, 0),
      );
    }
    this.nodeNexts[node] = -1;
    // Appended, so the list (and the summary) keeps the order items first appeared in.
    const last = this.subscriberLastNodes[subscriber]!;
    if (last < 0) this.subscriberFirstNodes[subscriber] = node;
    else this.nodeNexts[last] = node;
    this.subscriberLastNodes[subscriber] = node;
    return node;
  }

  private readHeader(buf: Uint8Array, fields: number, error: number): void {
    if (error !== SYNTAX_OK) throw new SoracomCsvFormatError(`header row: ${SYNTAX_REASONS[error]}`);
    const names = Array.from({ length: fields }, (_, column) => this.fieldText(buf, column));
    const missing = REQUIRED_COLUMNS.filter((name) => !names.includes(name));
    if (missing.length > 0) {
      throw new SoracomCsvFormatError(
        `the header has no ${missing.join(', ')} column; found: ${names.slice(0, 20).join(', ')}`,
      );
    }
    this.columnCount = fields;
    this.dateColumn = names.indexOf('date');
    this.itemColumn = names.indexOf('billItemName');
    this.unitPriceColumn = names.indexOf('unitPrice');
    this.quantityColumn = names.indexOf('quantity');
    this.amountColumn = names.indexOf('amount');
    ID_COLUMNS.forEach((kind, kindNumber) => {
      const column = names.indexOf(kind);
      if (column < 0) return;
      this.idColumns.push(column);
      this.idKinds.push(kindNumber);
    });
    // Tag and group columns follow the amount columns; Soracom names them after the tag or group.
    for (let column = this.amountColumn + 1; column < fields; column++) {
      this.tagColumns.push(column);
      this.tagNames.push(names[column]!);
    }
    const columns = {
      count: fields,
      date: this.dateColumn,
      item: this.itemColumn,
      unitPrice: this.unitPriceColumn,
      quantity: this.quantityColumn,
      amount: this.amountColumn,
    };
    this.scanner.configure(columns, this.idColumns);
  }

  /** Sets spanStart and spanEnd to the content of a field of the current record: quotes and a CR before the newline excluded. */
  private span(buf: Uint8Array, column: number): void {
    const ends = this.scanner.ints;
    const at = this.fieldEndsAt;
    let start = column === 0 ? this.recordStart : ends[at + column - 1]! + 1;
    let end = ends[at + column]!;
    if (buf[start] === QUOTE) {
      start++;
      end--;
    } else if (end > start && buf[end] === LF && buf[end - 1] === CR) {
      end--;
    }
    this.spanStart = start;
    this.spanEnd = end;
  }

  private isEscaped(column: number): boolean {
    const escaped = this.escapedFields;
    return (
      escaped !== 0 && (column < 31 ? (escaped & (1 << column)) !== 0 : (escaped & ESCAPED_BEYOND_31) !== 0)
    );
  }

  /** The field's text, quotes unescaped. Only for the rare fields that become strings. */
  private fieldText(buf: Uint8Array, column: number): string {
    this.span(buf, column);
    const start = this.spanStart;
    const end = this.spanEnd;
    if (!this.isEscaped(column)) return this.decoder.decode(buf.subarray(start, end));
    return this.decoder.decode(this.scratch.subarray(0, this.unescapeToScratch(buf, start, end)));
  }

  /** Copies a field's bytes to `scratch`, "" becoming " (other fields have no quote inside). Returns the length. */
  private unescapeToScratch(buf: Uint8Array, start: number, end: number): number {
    if (this.scratch.length < end - start) this.scratch = new Uint8Array((end - start) * 2);
    const scratch = this.scratch;
    let length = 0;
    for (let i = start; i < end; i++) {
      scratch[length++] = buf[i]!;
      if (buf[i] === QUOTE) i++;
    }
    return length;
  }

  private reject(line: number, reason: string): void {
    this.malformedCount++;
    if (this.malformedRows.length < this.maxMalformedRows) this.malformedRows.push({ line, reason });
  }

  private rejectDecimal(buf: Uint8Array, line: number, column: number, name: string): void {
    const text = this.fieldText(buf, column);
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    this.reject(line, `bad decimal in ${name}: ${JSON.stringify(shown)}`);
  }

  private overlongReason(): string {
    return `record longer than ${this.maxRecordBytes} bytes`;
  }

  // A record too long to hold.

  /** Drops the pending bytes of a too-long record, keeping only what is needed to find its end. */
  private startOverlongRecord(): void {
    if (this.columnCount < 0) {
      throw new SoracomCsvFormatError(`the header row is longer than ${this.maxRecordBytes} bytes`);
    }
    const pending = this.scanner.pending();
    let lines = 0;
    let inQuote = false;
    for (let i = 0; i < pending.length; i++) {
      const c = pending[i];
      if (c === QUOTE) inQuote = !inQuote;
      else if (c === LF) lines++;
    }
    this.overlong = { line: this.scanner.line, lines, inQuote };
    this.scanner.dropPending(pending.length);
  }

  /** Scans on to the end of a too-long record; returns where the next record starts, or -1 if beyond the input. */
  private passOverlongRecord(input: Uint8Array, from: number): number {
    const state = this.overlong!;
    for (let i = from; i < input.length; i++) {
      const c = input[i];
      if (c === QUOTE) state.inQuote = !state.inQuote;
      else if (c === LF) {
        state.lines++;
        if (!state.inQuote) {
          this.overlong = null;
          this.rowCount++;
          this.reject(state.line, this.overlongReason());
          this.scanner.line = state.line + state.lines;
          return i + 1;
        }
      }
    }
    return -1;
  }

  private subscriberDays(subscriber: number, dates: string[]): Record<string, string> {
    const firstSlot = this.subscriberDaySlots[subscriber]!;
    const days: Record<string, string> = {};
    for (let day = 1; day < this.dayBlock; day++) {
      const amount = this.amounts.text(firstSlot + day);
      if (amount !== '0') days[dates[day]!] = amount;
    }
    return days;
  }

  /** A node's amounts per day of `itemDays`, for the days its subscriber has rows on, into itemDays[date][item]. */
  private addItemDays(
    itemDays: Record<string, Record<string, string>>,
    item: string,
    node: number,
    dates: string[],
  ): void {
    const to = Math.min(this.itemDaysTo, this.dayBlock - 1);
    for (let day = this.itemDaysFrom; day <= to; day++) {
      const amount = this.amounts.text(this.nodeDaySlots[node]! + day - this.itemSlotsFrom);
      if (amount === '0') continue;
      itemDays[dates[day]!] ??= {};
      itemDays[dates[day]!]![item] = amount;
    }
  }

  /** A node's positive day amounts over days carryFrom..itemDays.from-1, summed into itemCarry[item] unless none. */
  private addItemCarry(itemCarry: Record<string, string>, item: string, node: number): void {
    const positive: number[] = [];
    const to = Math.min(this.itemDaysFrom - 1, this.dayBlock - 1);
    for (let day = this.itemSlotsFrom; day <= to; day++) {
      const slot = this.nodeDaySlots[node]! + day - this.itemSlotsFrom;
      if (this.amounts.isPositive(slot)) positive.push(slot);
    }
    if (positive.length > 0) itemCarry[item] = this.amounts.sumText(positive);
  }

  private summary(): SoracomCsvSummary {
    const amounts = this.amounts;
    const daySlots: number[] = [];
    const days = [];
    const month = this.yearMonth === 0 ? null : formatYearMonth(this.yearMonth);
    for (let day = 1; day <= 31; day++) {
      const slot = this.daySlots[day]!;
      if (slot < 0) continue;
      daySlots.push(slot);
      days.push({ date: `${month}-${String(day).padStart(2, '0')}`, total: amounts.text(slot) });
    }
    const subscribers: SoracomCsvSubscriber[] = [];
    const tagCount = this.tagColumns.length;
    const dates = Array.from(
      { length: this.dayBlock },
      (_, day) => `${month}-${String(day).padStart(2, '0')}`,
    );
    const itemNames = this.items.texts(this.decoder);
    const ids = this.subscribers.texts(this.decoder);
    const tagValues = this.tagValues.texts(this.decoder);
    // Each subscriber's day slots in turn, in one array (an array per subscriber cost 3 % of the run).
    const blockSlots = new Int32Array(this.dayBlock);
    for (let subscriber = 0; subscriber < this.subscribers.size; subscriber++) {
      const items: Record<string, string> = {};
      const itemDays: Record<string, Record<string, string>> = {};
      const itemCarry: Record<string, string> = {};
      for (let node = this.subscriberFirstNodes[subscriber]!; node >= 0; node = this.nodeNexts[node]!) {
        const item = itemNames[this.nodeItems[node]!]!;
        items[item] = amounts.text(this.nodeSlots[node]!);
        if (this.nodeDaySlots.length > 0) this.addItemDays(itemDays, item, node, dates);
        if (this.itemCarry) this.addItemCarry(itemCarry, item, node);
      }
      const firstSlot = this.subscriberDaySlots[subscriber]!;
      for (let day = 0; day < blockSlots.length; day++) blockSlots[day] = firstSlot + day;
      const tags: Record<string, string> = {};
      for (let tag = 0; tag < tagCount; tag++) {
        const value = this.subscriberTags[subscriber * tagCount + tag]!;
        if (value >= 0) tags[this.tagNames[tag]!] = tagValues[value]!;
      }
      const summary: SoracomCsvSubscriber = {
        id: ids[subscriber]!,
        kind: ID_COLUMNS[this.subscriberKinds[subscriber]!]!,
        total: amounts.sumText(blockSlots),
        items,
        tags,
      };
      // (Assigned, not spread: a spread per subscriber costs a generic object copy.)
      if (this.deviceDays) summary.days = this.subscriberDays(subscriber, dates);
      if (this.nodeDaySlots.length > 0) summary.itemDays = itemDays;
      if (this.itemCarry) summary.itemCarry = itemCarry;
      subscribers.push(summary);
    }
    return {
      currency: this.currency,
      month,
      tagColumns: [...this.tagNames],
      rowCount: this.rowCount,
      totals: {
        amount: amounts.sumText([...daySlots, this.monthlySlot]),
        daily: amounts.sumText(daySlots),
        monthlyCharges: amounts.text(this.monthlySlot),
      },
      subscribers,
      unattributed: { rowCount: this.unattributedRowCount, total: amounts.text(this.unattributedSlot) },
      billItems: itemNames.map((name, item) => ({
        name,
        total: amounts.text(this.itemTotalSlots[item]!),
        quantity: this.quantities.text(this.itemQuantitySlots[item]!),
      })),
      days,
      monthlyCharges: { rowCount: this.monthlyRowCount, total: amounts.text(this.monthlySlot) },
      malformed: { count: this.malformedCount, rows: [...this.malformedRows] },
    };
  }
}

/** Reads a whole export (a Node Readable, a web ReadableStream or any async iterable of byte chunks). */
export async function summariseSoracomCsv(
  chunks: AsyncIterable<Uint8Array>,
  options: SoracomCsvOptions,
): Promise<SoracomCsvSummary> {
  const aggregator = new SoracomCsvAggregator(options);
  for await (const chunk of chunks) aggregator.write(chunk);
  return aggregator.end();
}

/** Whether the bytes start with the first `length` bytes of the UTF-8 byte order mark. */
function startsWithBomPart(bytes: Uint8Array, length: number): boolean {
  if (bytes.length < length) return false;
  for (let i = 0; i < length; i++) if (bytes[i] !== BOM[i]) return false;
  return true;
}

function formatYearMonth(yearMonth: number): string {
  return `${Math.floor(yearMonth / 100)}-${String(yearMonth % 100).padStart(2, '0')}`;
}

function grown<T extends Uint8Array | Int32Array>(array: T, into: T): T {
  into.set(array.subarray(0, Math.min(array.length, into.length)));
  return into;
}
