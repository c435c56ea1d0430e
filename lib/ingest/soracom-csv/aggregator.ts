import { currencyCode } from '../../money/index.ts';
import { ByteKeyTable } from './byte-key-table.ts';
import {
  DECIMAL_EMPTY,
  DECIMAL_INVALID,
  DECIMAL_LONG,
  DECIMAL_OK,
  DecimalReader,
  parseDecimalText,
} from './decimal.ts';
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
   */
  itemDays?: { from: number; to: number };
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
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const ZERO = 0x30;
const BOM = [0xef, 0xbb, 0xbf];
const NEWLINE = new Uint8Array([LF]);

const SYNTAX_OK = 0;
const SYNTAX_UNTERMINATED = 1;
const SYNTAX_TEXT_AFTER_QUOTE = 2;
const SYNTAX_STRAY_QUOTE = 3;
const SYNTAX_REASONS = [
  '',
  'unterminated quote at end of file',
  'text after a closing quote',
  'quote inside an unquoted field',
];

/** readDate results besides a day of the month (1-31). */
const MONTHLY_ROW = 0;
const BAD_DATE = -1;
const OTHER_MONTH = -2;

const ESCAPED_BEYOND_31 = 1 << 31;
const ITEM_GUESS_MASK = 255;
const DEFAULT_MAX_RECORD_BYTES = 1 << 20;

/**
 * Streaming, constant-memory reader of a Soracom detailed-billing CSV export: feed it the bytes in
 * chunks of any size (`write`), then `end()` gives the summary. Works on the bytes directly: fields
 * are located by offset, decimals are read into exact scaled integers, device ids and item names are
 * interned without decoding; strings are made only for new keys and for the summary.
 */
export class SoracomCsvAggregator {
  private readonly currency: string;
  private readonly maxMalformedRows: number;
  private readonly maxRecordBytes: number;

  // Splitting.
  private carry = new Uint8Array(4096);
  private carryLength = 0;
  private atStreamStart = true;
  /** Line on which the next record starts. */
  private line = 1;
  /**
   * Per field of the current record, the position of the byte that ends it (comma or newline, or the
   * one after a closing quote): one store per field while splitting; `span` works out the content.
   */
  private fieldEnds = new Int32Array(64);
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
  private readonly itemNames: string[] = [];
  private readonly itemGuesses = new Int32Array(ITEM_GUESS_MASK + 1).fill(-1);
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
  /** Singly linked (item, amount slot) lists, one per subscriber: a device has only a few items. */
  private nodeItems = new Int32Array(4096);
  private nodeNexts = new Int32Array(4096);
  private nodeSlots = new Int32Array(4096);
  private nodeCount = 0;
  /** With the `itemDays` option (else empty): per node, the first of its slots for days itemDaysFrom..itemDaysTo. */
  private nodeDaySlots = new Int32Array(0);
  private readonly itemDaysFrom: number;
  private readonly itemDaysTo: number;
  private readonly deviceDays: boolean;
  private readonly tagValues = new ByteKeyTable(256);
  private readonly tagValueTexts: string[] = [];

  private malformedCount = 0;
  private readonly malformedRows: SoracomCsvMalformedRow[] = [];

  private readonly decimal = new DecimalReader();
  private readonly amountValue: ExactDecimal = { mantissa: 0, big: null, scale: 0 };
  private readonly quantityValue: ExactDecimal = { mantissa: 0, big: null, scale: 0 };
  /** Read only to check it: unit prices are not summed. */
  private readonly unitPriceValue: ExactDecimal = { mantissa: 0, big: null, scale: 0 };
  private readonly decoder = new TextDecoder();
  private scratch = new Uint8Array(256);

  constructor(options: SoracomCsvOptions) {
    this.currency = currencyCode(options.currency);
    this.maxMalformedRows = options.maxMalformedRows ?? 20;
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (options.month !== undefined) {
      const match = /^(\d{4})-?(\d{2})$/.exec(options.month);
      const yearMonth = match ? Number(match[1]) * 100 + Number(match[2]) : 0;
      if (!isValidYearMonth(yearMonth)) {
        throw new RangeError(`month "${options.month}" is not a month; write it as yyyy-MM, e.g. 2026-11`);
      }
      this.setMonth(yearMonth);
    }
    this.monthlySlot = this.amounts.allocate();
    this.unattributedSlot = this.amounts.allocate();
    // Without the option, an empty range whose first comparison fails for every day.
    const { from, to } = options.itemDays ?? { from: 32, to: 0 };
    if (options.itemDays && !(Number.isInteger(from) && Number.isInteger(to) && from >= 1 && to <= 31)) {
      throw new RangeError(`itemDays ${from}..${to} is not a range of days of the month (1-31)`);
    }
    this.deviceDays = options.deviceDays ?? false;
    this.itemDaysFrom = from;
    this.itemDaysTo = to;
    if (options.itemDays) this.nodeDaySlots = new Int32Array(this.nodeItems.length);
  }

  /** Takes the next bytes of the file; a chunk may end anywhere (inside a quote, a CRLF or a UTF-8 character). */
  write(chunk: Uint8Array): void {
    if (!(chunk instanceof Uint8Array))
      throw new TypeError('Soracom billing CSV: expected bytes (Uint8Array)');
    // One array class on the hot path (a Node Buffer is a Uint8Array subclass): keeps byte reads monomorphic.
    let input =
      chunk.constructor === Uint8Array
        ? chunk
        : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.atStreamStart) {
      this.append(input, 0, input.length);
      // Wait for three bytes before deciding whether the file starts with a byte order mark.
      if (this.carryLength < BOM.length && this.carryMatchesBom(this.carryLength)) return;
      input = this.takeCarryWithoutBom();
    }
    let pos = 0;
    if (this.overlong) {
      pos = this.passOverlongRecord(input, 0);
      if (pos < 0) return;
    }
    if (this.carryLength > 0) {
      pos = this.completeCarriedRecord(input, pos);
      if (pos < 0) return;
    }
    const rest = this.consume(input, pos, input.length, false);
    this.append(input, rest, input.length);
    if (this.carryLength > this.maxRecordBytes) this.startOverlongRecord();
  }

  /** The summary of everything written. */
  end(): SoracomCsvSummary {
    if (this.atStreamStart) {
      const input = this.takeCarryWithoutBom();
      this.append(input, 0, input.length);
      this.finishCarry();
    } else if (this.overlong) {
      const { line, inQuote } = this.overlong;
      this.overlong = null;
      this.rowCount++;
      this.reject(line, inQuote ? SYNTAX_REASONS[SYNTAX_UNTERMINATED]! : this.overlongReason());
    } else if (this.carryLength > 0) {
      this.finishCarry();
    }
    if (this.columnCount < 0) throw new SoracomCsvFormatError('the file is empty (no header row)');
    return this.summary();
  }

  /** Splits the last record, ending it with a newline when the file does not. */
  private finishCarry(): void {
    if (this.carryLength > 0 && this.carry[this.carryLength - 1] !== LF) this.append(NEWLINE, 0, 1);
    this.consume(this.carry, 0, this.carryLength, true);
    this.carryLength = 0;
  }

  /**
   * Splits and processes every complete record in buf[pos, end). Returns where the first incomplete
   * record starts (end when none): its bytes are carried into the next chunk. With `atEnd` the input
   * ends with a newline (end() adds one) and a quote still open there is an error, not a wait.
   */
  private consume(buf: Uint8Array, pos: number, end: number, atEnd: boolean): number {
    // Only bytes up to the last newline are split: an unquoted field always stops at a newline by
    // then, so the per-byte loop needs no bounds check. Quoted fields check `limit` themselves.
    const limit = end > pos ? buf.lastIndexOf(LF, end - 1) + 1 : 0;
    while (pos < limit) {
      const ends = this.fieldEnds;
      const recordStart = pos;
      let fields = 0;
      let newlines = 1;
      let escaped = 0;
      let error = SYNTAX_OK;
      // Fields past the slots (a malformed record) are only counted: typed-array stores out of range are no-ops.
      record: for (;;) {
        let c = buf[pos]!;
        // Runs of empty fields (most device id columns) are common.
        while (c === COMMA) {
          ends[fields++] = pos;
          c = buf[++pos]!;
        }
        if (c !== QUOTE) {
          // Most bytes are digits or letters, above the comma: one comparison for them. Unrolled
          // four times, since the loop's own branch costs about as much as the test (measured: +35 %).
          for (;;) {
            if (c <= COMMA && (c === COMMA || c === LF || c === QUOTE)) break;
            c = buf[++pos]!;
            if (c <= COMMA && (c === COMMA || c === LF || c === QUOTE)) break;
            c = buf[++pos]!;
            if (c <= COMMA && (c === COMMA || c === LF || c === QUOTE)) break;
            c = buf[++pos]!;
            if (c <= COMMA && (c === COMMA || c === LF || c === QUOTE)) break;
            c = buf[++pos]!;
          }
          if (c !== QUOTE) {
            ends[fields++] = pos++;
            if (c === COMMA) continue;
            break;
          }
          error = SYNTAX_STRAY_QUOTE;
          pos++;
        } else {
          let close = pos + 1;
          for (;;) {
            for (; close < limit; close++) {
              c = buf[close]!;
              if (c === QUOTE) break;
              if (c === LF) newlines++;
            }
            if (close >= limit) {
              if (!atEnd) return recordStart;
              error = SYNTAX_UNTERMINATED;
              pos = limit;
              break record;
            }
            // A quote is never the last byte before `limit` (that is a newline), so close + 1 is readable.
            if (buf[close + 1] !== QUOTE) break;
            escaped |= fields < 31 ? 1 << fields : ESCAPED_BEYOND_31;
            close += 2;
          }
          pos = close + 1;
          ends[fields++] = pos;
          c = buf[pos]!;
          if (c === COMMA) {
            pos++;
            continue;
          }
          if (c === LF) {
            pos++;
            break;
          }
          if (c === CR && buf[pos + 1] === LF) {
            pos += 2;
            break;
          }
          error = SYNTAX_TEXT_AFTER_QUOTE;
        }
        // A syntax error: pass over the rest of the record, honouring quotes opened after it.
        let inQuote = false;
        for (;;) {
          if (pos >= limit) {
            if (!atEnd) return recordStart;
            break record;
          }
          c = buf[pos++]!;
          if (c === QUOTE) inQuote = !inQuote;
          else if (c === LF) {
            if (!inQuote) break record;
            newlines++;
          }
        }
      }
      const line = this.line;
      this.line += newlines;
      this.escapedFields = escaped;
      this.recordStart = recordStart;
      if (this.columnCount < 0) {
        if (fields > ends.length && error === SYNTAX_OK) {
          // More header columns than field slots: make room and read the header again.
          this.growFields(fields + 1);
          this.line = line;
          pos = recordStart;
          continue;
        }
        this.readHeader(buf, fields, error);
      } else if (pos - recordStart > 2 || (buf[recordStart] !== LF && buf[recordStart] !== CR)) {
        // (A blank line is no record.)
        this.row(buf, fields, line, error);
      }
    }
    return pos;
  }

  private row(buf: Uint8Array, fields: number, line: number, error: number): void {
    this.rowCount++;
    if (error !== SYNTAX_OK) {
      this.reject(line, SYNTAX_REASONS[error]!);
      return;
    }
    if (fields !== this.columnCount) {
      this.reject(line, `expected ${this.columnCount} columns, found ${fields}`);
      return;
    }
    this.span(buf, this.dateColumn);
    const day = this.readDate(buf, this.spanStart, this.spanEnd);
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
    if (this.readDecimal(buf, this.amountColumn, amount) !== DECIMAL_OK) {
      this.rejectDecimal(buf, line, this.amountColumn, 'amount');
      return;
    }
    const quantity = this.quantityValue;
    const quantityStatus = this.readDecimal(buf, this.quantityColumn, quantity);
    if (quantityStatus === DECIMAL_INVALID) {
      this.rejectDecimal(buf, line, this.quantityColumn, 'quantity');
      return;
    }
    if (this.readDecimal(buf, this.unitPriceColumn, this.unitPriceValue) === DECIMAL_INVALID) {
      this.rejectDecimal(buf, line, this.unitPriceColumn, 'unitPrice');
      return;
    }

    this.span(buf, this.itemColumn);
    if (this.spanStart === this.spanEnd) {
      this.reject(line, 'empty billItemName');
      return;
    }
    const item = this.internItem(buf);
    const subscriber = this.internSubscriber(buf);

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
      if (day >= this.itemDaysFrom && day <= this.itemDaysTo) {
        ownerItemDaySlot = this.nodeDaySlots[node]! + day - this.itemDaysFrom;
      }
    }

    amounts.add(amount, periodSlot, ownerSlot, this.itemTotalSlots[item]!, ownerItemSlot, ownerItemDaySlot);
    if (quantityStatus !== DECIMAL_EMPTY) this.quantities.add(quantity, this.itemQuantitySlots[item]!);
  }

  /** Reads a decimal column of the current row into `into`: DECIMAL_OK, DECIMAL_EMPTY or DECIMAL_INVALID. */
  private readDecimal(buf: Uint8Array, column: number, into: ExactDecimal): number {
    this.span(buf, column);
    const decimal = this.decimal;
    const status = decimal.read(buf, this.spanStart, this.spanEnd);
    if (status === DECIMAL_OK) {
      into.mantissa = decimal.mantissa;
      into.big = null;
      into.scale = decimal.scale;
      return DECIMAL_OK;
    }
    if (status !== DECIMAL_LONG) return status;
    const exact = parseDecimalText(this.fieldText(buf, column));
    if (exact === null) return DECIMAL_INVALID;
    into.big = exact.mantissa;
    into.scale = exact.scale;
    return DECIMAL_OK;
  }

  /** 1-31 for a yyyyMMdd date in the month, MONTHLY_ROW for yyyyMM, BAD_DATE or OTHER_MONTH. */
  private readDate(buf: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length !== 8 && length !== 6) return BAD_DATE;
    let yearMonth = 0;
    for (let i = start; i < start + 6; i++) {
      const digit = buf[i]! - ZERO;
      if (digit < 0 || digit > 9) return BAD_DATE;
      yearMonth = yearMonth * 10 + digit;
    }
    if (yearMonth !== this.yearMonth) {
      if (!isValidYearMonth(yearMonth)) return BAD_DATE;
      if (this.yearMonth !== 0) return OTHER_MONTH;
      this.setMonth(yearMonth);
    }
    if (length === 6) return MONTHLY_ROW;
    const tens = buf[start + 6]! - ZERO;
    const ones = buf[start + 7]! - ZERO;
    if (tens < 0 || tens > 9 || ones < 0 || ones > 9) return BAD_DATE;
    const day = tens * 10 + ones;
    return day >= 1 && day <= this.daysInMonth ? day : BAD_DATE;
  }

  private setMonth(yearMonth: number): void {
    this.yearMonth = yearMonth;
    const year = Math.floor(yearMonth / 100);
    this.daysInMonth = new Date(Date.UTC(year, yearMonth % 100, 0)).getUTCDate();
    this.dayBlock = this.daysInMonth + 1;
  }

  private internItem(buf: Uint8Array): number {
    const column = this.itemColumn;
    const start = this.spanStart;
    const end = this.spanEnd;
    // A few dozen names recur on every row: a direct-mapped guess by length and end bytes usually hits.
    const guessSlot = ((end - start) * 31 + buf[start]! + buf[end - 1]! * 7) & ITEM_GUESS_MASK;
    const guess = this.itemGuesses[guessSlot]!;
    if (guess >= 0 && !this.isEscaped(column) && this.items.matches(guess, buf, start, end)) {
      return guess;
    }
    const known = this.items.size;
    const item = this.internField(this.items, buf, column, 0);
    this.itemGuesses[guessSlot] = item;
    if (item === known) {
      this.itemNames.push(this.fieldText(buf, column));
      this.itemTotalSlots.push(this.amounts.allocate());
      this.itemQuantitySlots.push(this.quantities.allocate());
    }
    return item;
  }

  /** The row's subscriber (the first non-empty id column), or -1 when it names no device. */
  private internSubscriber(buf: Uint8Array): number {
    const columns = this.idColumns;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      this.span(buf, column);
      if (this.spanStart === this.spanEnd) continue;
      const kind = this.idKinds[i]!;
      // A device's rows tend to come together (one per item), and devices in the same order every
      // day: the previous row's device, then the one first seen after it, usually match without a
      // hash lookup (which in a table of 100k devices is a cache miss).
      const previous = this.previousSubscriber;
      if (previous >= 0 && !this.isEscaped(column)) {
        if (this.isSubscriber(previous, kind, buf)) return previous;
        const next = previous + 1;
        if (next < this.subscribers.size && this.isSubscriber(next, kind, buf)) {
          this.previousSubscriber = next;
          return next;
        }
      }
      const known = this.subscribers.size;
      const subscriber = this.internField(this.subscribers, buf, column, kind);
      if (subscriber === known) this.addSubscriber(buf, subscriber, kind);
      this.previousSubscriber = subscriber;
      return subscriber;
    }
    return -1;
  }

  /** Interns the field last given to `span`. */
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
        // Fleet, group and similar values recur across thousands of devices: decoded once each.
        const known = this.tagValues.size;
        value = this.internField(this.tagValues, buf, column, 0);
        if (value === known) this.tagValueTexts.push(this.fieldText(buf, column));
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
        Math.max(this.itemDaysTo - this.itemDaysFrom + 1, 0),
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
    this.growFields(fields + 1);
  }

  private growFields(capacity: number): void {
    this.fieldEnds = new Int32Array(capacity);
  }

  /** Sets spanStart and spanEnd to the content of a field of the current record: quotes and a CR before the newline excluded. */
  private span(buf: Uint8Array, column: number): void {
    const ends = this.fieldEnds;
    let start = column === 0 ? this.recordStart : ends[column - 1]! + 1;
    let end = ends[column]!;
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

  // Carrying a record across chunks.

  private append(bytes: Uint8Array, from: number, to: number): void {
    const length = to - from;
    if (length <= 0) return;
    if (this.carryLength + length > this.carry.length) {
      this.carry = grown(
        this.carry,
        new Uint8Array(Math.max(this.carry.length * 2, this.carryLength + length)),
      );
    }
    this.carry.set(bytes.subarray(from, to), this.carryLength);
    this.carryLength += length;
  }

  /** The bytes gathered at the start of the stream, without the UTF-8 byte order mark. */
  private takeCarryWithoutBom(): Uint8Array {
    this.atStreamStart = false;
    const hasBom = this.carryLength >= BOM.length && this.carryMatchesBom(BOM.length);
    const bytes = this.carry.slice(hasBom ? BOM.length : 0, this.carryLength);
    this.carryLength = 0;
    return bytes;
  }

  private carryMatchesBom(length: number): boolean {
    for (let i = 0; i < length; i++) if (this.carry[i] !== BOM[i]) return false;
    return true;
  }

  /**
   * Finishes the record carried from earlier chunks with input bytes up to each next newline until
   * it is complete (a newline inside quotes does not end it). Returns where the input goes on, or -1
   * when the whole input was taken.
   */
  private completeCarriedRecord(input: Uint8Array, from: number): number {
    let pos = from;
    for (;;) {
      const newline = input.indexOf(LF, pos);
      if (newline < 0) {
        this.append(input, pos, input.length);
        if (this.carryLength > this.maxRecordBytes) this.startOverlongRecord();
        return -1;
      }
      this.append(input, pos, newline + 1);
      pos = newline + 1;
      if (this.consume(this.carry, 0, this.carryLength, false) === this.carryLength) {
        this.carryLength = 0;
        return pos;
      }
      if (this.carryLength > this.maxRecordBytes) {
        this.startOverlongRecord();
        return this.passOverlongRecord(input, pos);
      }
    }
  }

  /** Drops the carried bytes of a too-long record, keeping only what is needed to find its end. */
  private startOverlongRecord(): void {
    if (this.columnCount < 0) {
      throw new SoracomCsvFormatError(`the header row is longer than ${this.maxRecordBytes} bytes`);
    }
    let lines = 0;
    let inQuote = false;
    for (let i = 0; i < this.carryLength; i++) {
      const c = this.carry[i];
      if (c === QUOTE) inQuote = !inQuote;
      else if (c === LF) lines++;
    }
    this.overlong = { line: this.line, lines, inQuote };
    this.carryLength = 0;
    this.carry = new Uint8Array(4096);
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
          this.line = state.line + state.lines;
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
      const amount = this.amounts.text(this.nodeDaySlots[node]! + day - this.itemDaysFrom);
      if (amount === '0') continue;
      itemDays[dates[day]!] ??= {};
      itemDays[dates[day]!]![item] = amount;
    }
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
    // Each subscriber's day slots in turn, in one array (an array per subscriber cost 3 % of the run).
    const blockSlots = new Int32Array(this.dayBlock);
    for (let subscriber = 0; subscriber < this.subscribers.size; subscriber++) {
      const items: Record<string, string> = {};
      const itemDays: Record<string, Record<string, string>> = {};
      for (let node = this.subscriberFirstNodes[subscriber]!; node >= 0; node = this.nodeNexts[node]!) {
        const item = this.itemNames[this.nodeItems[node]!]!;
        items[item] = amounts.text(this.nodeSlots[node]!);
        if (this.nodeDaySlots.length > 0) this.addItemDays(itemDays, item, node, dates);
      }
      const firstSlot = this.subscriberDaySlots[subscriber]!;
      for (let day = 0; day < blockSlots.length; day++) blockSlots[day] = firstSlot + day;
      const tags: Record<string, string> = {};
      for (let tag = 0; tag < tagCount; tag++) {
        const value = this.subscriberTags[subscriber * tagCount + tag]!;
        if (value >= 0) tags[this.tagNames[tag]!] = this.tagValueTexts[value]!;
      }
      subscribers.push({
        id: this.decoder.decode(this.subscribers.bytesOf(subscriber)),
        kind: ID_COLUMNS[this.subscriberKinds[subscriber]!]!,
        total: amounts.sumText(blockSlots),
        items,
        tags,
        ...(this.deviceDays && { days: this.subscriberDays(subscriber, dates) }),
        ...(this.nodeDaySlots.length > 0 && { itemDays }),
      });
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
      billItems: this.itemNames.map((name, item) => ({
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

function isValidYearMonth(yearMonth: number): boolean {
  const month = yearMonth % 100;
  return yearMonth >= 100001 && month >= 1 && month <= 12;
}

function formatYearMonth(yearMonth: number): string {
  return `${Math.floor(yearMonth / 100)}-${String(yearMonth % 100).padStart(2, '0')}`;
}

function grown<T extends Uint8Array | Int32Array>(array: T, into: T): T {
  into.set(array.subarray(0, Math.min(array.length, into.length)));
  return into;
}
