// The row scanner of the Soracom billing-CSV ingest, in AssemblyScript (compiled to WebAssembly by
// `npm run build:wasm`; the module is embedded in ../row-scanner.wasm.ts). It splits records and
// reads the fields every row needs (date, amount, quantity, unit price, bill item, device id) into a
// row tape; the aggregator (../../aggregator.ts) interns, sums and reports from that tape. Memory is
// laid out by the caller: the kernel never allocates.

const QUOTE: u8 = 0x22;
const COMMA: u8 = 0x2c;
const LF: u8 = 0x0a;
const CR: u8 = 0x0d;
const ZERO: i32 = 0x30;
const PLUS: u8 = 0x2b;
const MINUS: u8 = 0x2d;
const DOT: u8 = 0x2e;
const LOWER_E: u8 = 0x65;
const UPPER_E: u8 = 0x45;

// Syntax errors of a record.
export const SYNTAX_OK: i32 = 0;
export const SYNTAX_UNTERMINATED: i32 = 1;
export const SYNTAX_TEXT_AFTER_QUOTE: i32 = 2;
export const SYNTAX_STRAY_QUOTE: i32 = 3;

// The date field read: a day of the month (1-31), or one of these.
export const MONTHLY_ROW: i32 = 0;
export const BAD_DATE: i32 = -1;
export const OTHER_MONTH: i32 = -2;
/** Not read: the record has a syntax error or the wrong number of fields. */
export const NOT_READ: i32 = -3;

// Decimal fields read. Grammar: [+-] digits [. digits] [e|E [+-] digits], digits on at least one
// side of the point; no spaces, no thousands separators.
export const DECIMAL_OK: i32 = 0;
export const DECIMAL_EMPTY: i32 = 1;
/** Valid grammar but too many digits (or an exponent) for a float64 mantissa: read it as text. */
export const DECIMAL_LONG: i32 = 2;
export const DECIMAL_INVALID: i32 = 3;
/** Significant digits that always fit a float64 integer exactly (10^15 < 2^52). */
const FAST_DIGITS: i32 = 15;
const MAX_DECIMAL_PLACES: i32 = 30;

// The row tape: ROW_BYTES per row, i32 slots at these indexes and two f64 mantissas.
export const ROW_BYTES: i32 = 88;
export const ROW_START: i32 = 0;
export const ROW_LINE: i32 = 1;
export const ROW_FIELDS: i32 = 2;
export const ROW_SYNTAX: i32 = 3;
/** Bit per field (the first 31) with a doubled quote inside; bit 31 for any field after those. */
export const ROW_ESCAPED: i32 = 4;
export const ROW_DAY: i32 = 5;
export const ROW_AMOUNT_STATUS: i32 = 6;
export const ROW_AMOUNT_SCALE: i32 = 7;
export const ROW_QUANTITY_STATUS: i32 = 8;
export const ROW_QUANTITY_SCALE: i32 = 9;
export const ROW_UNIT_PRICE_STATUS: i32 = 10;
export const ROW_ITEM_START: i32 = 11;
export const ROW_ITEM_END: i32 = 12;
/** Index in the device id columns of the row's device (its first non-empty one), or -1. */
export const ROW_DEVICE_COLUMN: i32 = 13;
export const ROW_DEVICE_START: i32 = 14;
export const ROW_DEVICE_END: i32 = 15;
/** The bill item's number in this scanner (0, 1, … in order of first appearance), or -1: intern it from its bytes. */
export const ROW_ITEM: i32 = 20;
/** 1 when the device id column and bytes are those of the previous row read. */
export const ROW_DEVICE_SAME: i32 = 21;
/** f64 slots (index in f64 units from the row's start: i32 slots 16-19). */
export const ROW_AMOUNT_MANTISSA: i32 = 8;
export const ROW_QUANTITY_MANTISSA: i32 = 9;

const ESCAPED_BEYOND_31: i32 = 1 << 31;
const MAX_DEVICE_COLUMNS: i32 = 16;

// Header columns (configure); columnCount < 0 until then: records are split, not read.
let columnCount: i32 = -1;
let dateColumn: i32 = 0;
let itemColumn: i32 = 0;
let unitPriceColumn: i32 = 0;
let quantityColumn: i32 = 0;
let amountColumn: i32 = 0;
let deviceColumnCount: i32 = 0;
const deviceColumns = memory.data(MAX_DEVICE_COLUMNS * 4);

// Bill items: a few dozen names, numbered here so a row costs a compare, not a lookup, in the aggregator.
export const MAX_ITEMS: i32 = 256;
const ITEM_BYTES: i32 = 16384;
const itemStarts = memory.data(MAX_ITEMS * 4);
const itemLengths = memory.data(MAX_ITEMS * 4);
const itemBytes = memory.data(ITEM_BYTES);
/** Direct-mapped by length and end bytes: item number + 1, 0 when none. */
const itemGuesses = memory.data(256 * 4);
let itemCount: i32 = 0;
let itemBytesUsed: i32 = 0;

// The device of the previous row read (column index, -1 for none; bytes when at most 64).
const MAX_REMEMBERED_DEVICE: i32 = 64;
const previousDevice = memory.data(MAX_REMEMBERED_DEVICE);
let previousDeviceColumn: i32 = -1;
let previousDeviceLength: i32 = 0;

let yearMonth: i32 = 0;
let daysInMonth: i32 = 0;
/** Line on which the next record starts. */
let line: i32 = 1;
/** Where `scan` stopped: the start of the first record it did not take. */
let stoppedAt: usize = 0;

// A 64-byte window of the input and its bits (one per byte) of special bytes (comma, newline, quote).
let windowStart: usize = 0;
let windowBits: u64 = 0;

// The last decimal read.
let mantissa: f64 = 0;
let scale: i32 = 0;

export function configure(
  columns: i32,
  date: i32,
  item: i32,
  unitPrice: i32,
  quantity: i32,
  amount: i32,
): void {
  columnCount = columns;
  dateColumn = date;
  itemColumn = item;
  unitPriceColumn = unitPrice;
  quantityColumn = quantity;
  amountColumn = amount;
  deviceColumnCount = 0;
}

/** Adds a device id column, in the order that picks a row's device. */
export function addDeviceColumn(column: i32): void {
  if (deviceColumnCount >= MAX_DEVICE_COLUMNS) unreachable();
  store<i32>(deviceColumns + <usize>(deviceColumnCount++ << 2), column);
}

/** Sets the billing month (yyyyMM); returns its number of days. */
export function setMonth(month: i32): i32 {
  yearMonth = month;
  const year = month / 100;
  const m = month % 100;
  const leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  daysInMonth = m == 2 ? (leap ? 29 : 28) : m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
  return daysInMonth;
}

export function month(): i32 {
  return yearMonth;
}

export function setLine(next: i32): void {
  line = next;
}

export function nextLine(): i32 {
  return line;
}

export function stopped(): usize {
  return stoppedAt;
}

/**
 * Splits the records in [pos, limit) (limit: just after a newline) and writes each to the tape at
 * `rows` (ROW_BYTES each) with its field ends at `ends` (`stride` i32s per row: the position of the
 * comma or newline after each field, or of the byte after a closing quote). Stops after `maxRows`
 * rows or at the first record that does not end before `limit`; `stopped()` says where. With
 * `atEnd`, an unterminated quote ends the record as an error instead. Blank lines are passed over.
 */
export function scan(
  pos: usize,
  limit: usize,
  atEnd: bool,
  ends: usize,
  stride: i32,
  rows: usize,
  maxRows: i32,
): i32 {
  // No window yet (the memory may hold new bytes since the last call): the input lies above the
  // first page, so every position is 64 or more bytes past a window at 0.
  windowStart = 0;
  let count: i32 = 0;
  while (pos < limit && count < maxRows) {
    const recordStart = pos;
    const rowEnds = ends + <usize>(count * stride * 4);
    pos = splitRecord(recordStart, limit, atEnd, rowEnds, stride);
    if (pos == INCOMPLETE) {
      pos = recordStart;
      break;
    }
    const recordLine = line;
    line += newlines;
    // (A blank line is no record.)
    const first = load<u8>(recordStart);
    if (pos - recordStart <= 2 && (first == LF || first == CR)) continue;
    const row = rows + <usize>(count * ROW_BYTES);
    store<i32>(row + (ROW_START << 2), <i32>recordStart);
    store<i32>(row + (ROW_LINE << 2), recordLine);
    store<i32>(row + (ROW_FIELDS << 2), fields);
    store<i32>(row + (ROW_SYNTAX << 2), syntax);
    store<i32>(row + (ROW_ESCAPED << 2), escaped);
    if (columnCount >= 0 && syntax == SYNTAX_OK && fields == columnCount) {
      readRow(row, recordStart, rowEnds);
    } else {
      store<i32>(row + (ROW_DAY << 2), NOT_READ);
    }
    count++;
  }
  stoppedAt = pos;
  return count;
}

/** splitRecord's result for a record that does not end before `limit` (positions are never 0). */
const INCOMPLETE: usize = 0;

// The record last split.
let fields: i32 = 0;
let newlines: i32 = 0;
let escaped: i32 = 0;
let syntax: i32 = SYNTAX_OK;

/** Splits the record at `pos`: returns where the next one starts, or INCOMPLETE. */
function splitRecord(pos: usize, limit: usize, atEnd: bool, rowEnds: usize, stride: i32): usize {
  fields = 0;
  newlines = 1;
  escaped = 0;
  syntax = SYNTAX_OK;
  let c: u8 = 0;
  while (true) {
    c = load<u8>(pos);
    // Runs of empty fields (most device id columns) are common.
    while (c == COMMA) {
      if (fields < stride) store<i32>(rowEnds + <usize>(fields << 2), <i32>pos);
      fields++;
      c = load<u8>(++pos);
    }
    if (c != QUOTE) {
      // An unquoted field ends at the next special byte: there is always a newline before `limit`.
      pos = nextSpecial(pos);
      c = load<u8>(pos);
      if (c != QUOTE) {
        if (fields < stride) store<i32>(rowEnds + <usize>(fields << 2), <i32>pos);
        fields++;
        pos++;
        if (c == COMMA) continue;
        return pos;
      }
      syntax = SYNTAX_STRAY_QUOTE;
      pos++;
    } else {
      let close = pos + 1;
      while (true) {
        for (; close < limit; close++) {
          c = load<u8>(close);
          if (c == QUOTE) break;
          if (c == LF) newlines++;
        }
        if (close >= limit) {
          if (!atEnd) return INCOMPLETE;
          syntax = SYNTAX_UNTERMINATED;
          return limit;
        }
        // A quote is never the last byte before `limit` (that is a newline), so close + 1 is readable.
        if (load<u8>(close + 1) != QUOTE) break;
        escaped |= fields < 31 ? 1 << fields : ESCAPED_BEYOND_31;
        close += 2;
      }
      pos = close + 1;
      if (fields < stride) store<i32>(rowEnds + <usize>(fields << 2), <i32>pos);
      fields++;
      c = load<u8>(pos);
      if (c == COMMA) {
        pos++;
        continue;
      }
      if (c == LF) return pos + 1;
      if (c == CR && load<u8>(pos + 1) == LF) return pos + 2;
      syntax = SYNTAX_TEXT_AFTER_QUOTE;
    }
    // A syntax error: pass over the rest of the record, honouring quotes opened after it.
    let inQuote = false;
    while (true) {
      if (pos >= limit) return atEnd ? pos : INCOMPLETE;
      c = load<u8>(pos++);
      if (c == QUOTE) inQuote = !inQuote;
      else if (c == LF) {
        if (!inQuote) return pos;
        newlines++;
      }
    }
  }
}

/** The position of the first comma, newline or quote from `pos` on. */
@inline
function nextSpecial(pos: usize): usize {
  while (true) {
    // (Unsigned: a position before the window is far beyond it too.)
    if (pos - windowStart >= 64) {
      windowStart = pos;
      windowBits = specialBits(pos);
    }
    const bits = windowBits >> (<u64>(pos - windowStart));
    if (bits != 0) return pos + <usize>ctz(bits);
    pos = windowStart + 64;
  }
}

/** Bit i set when byte pos + i (0-63) is a comma, newline or quote. */
@inline
function specialBits(pos: usize): u64 {
  return (
    <u64>special16(pos) |
    (<u64>special16(pos + 16) << 16) |
    (<u64>special16(pos + 32) << 32) |
    (<u64>special16(pos + 48) << 48)
  );
}

@inline
function special16(pos: usize): u32 {
  const bytes = v128.load(pos);
  const hits = v128.or(
    v128.or(i8x16.eq(bytes, i8x16.splat(COMMA)), i8x16.eq(bytes, i8x16.splat(LF))),
    i8x16.eq(bytes, i8x16.splat(QUOTE)),
  );
  return <u32>i8x16.bitmask(hits);
}

/** Reads the fields every row needs into the tape. */
function readRow(row: usize, recordStart: usize, rowEnds: usize): void {
  store<i32>(row + (ROW_DAY << 2), readDate(recordStart, rowEnds));

  let status = readDecimal(spanStart(recordStart, rowEnds, amountColumn), spanEnd(recordStart, rowEnds, amountColumn));
  store<i32>(row + (ROW_AMOUNT_STATUS << 2), status);
  store<i32>(row + (ROW_AMOUNT_SCALE << 2), scale);
  store<f64>(row + (ROW_AMOUNT_MANTISSA << 3), mantissa);

  status = readDecimal(
    spanStart(recordStart, rowEnds, quantityColumn),
    spanEnd(recordStart, rowEnds, quantityColumn),
  );
  store<i32>(row + (ROW_QUANTITY_STATUS << 2), status);
  store<i32>(row + (ROW_QUANTITY_SCALE << 2), scale);
  store<f64>(row + (ROW_QUANTITY_MANTISSA << 3), mantissa);

  // (The unit price is checked, not summed.)
  store<i32>(
    row + (ROW_UNIT_PRICE_STATUS << 2),
    readDecimal(spanStart(recordStart, rowEnds, unitPriceColumn), spanEnd(recordStart, rowEnds, unitPriceColumn)),
  );

  const itemStart = spanStart(recordStart, rowEnds, itemColumn);
  const itemEnd = spanEnd(recordStart, rowEnds, itemColumn);
  store<i32>(row + (ROW_ITEM_START << 2), <i32>itemStart);
  store<i32>(row + (ROW_ITEM_END << 2), <i32>itemEnd);
  store<i32>(row + (ROW_ITEM << 2), isEscaped(itemColumn) ? -1 : itemNumber(itemStart, itemEnd));

  let device: i32 = -1;
  let deviceStart: usize = 0;
  let deviceEnd: usize = 0;
  for (let i: i32 = 0; i < deviceColumnCount; i++) {
    const column = load<i32>(deviceColumns + <usize>(i << 2));
    deviceStart = spanStart(recordStart, rowEnds, column);
    deviceEnd = spanEnd(recordStart, rowEnds, column);
    if (deviceStart != deviceEnd) {
      device = i;
      break;
    }
  }
  store<i32>(row + (ROW_DEVICE_COLUMN << 2), device);
  store<i32>(row + (ROW_DEVICE_START << 2), <i32>deviceStart);
  store<i32>(row + (ROW_DEVICE_END << 2), <i32>deviceEnd);
  store<i32>(row + (ROW_DEVICE_SAME << 2), isPreviousDevice(device, deviceStart, deviceEnd) ? 1 : 0);
}

function isEscaped(column: i32): bool {
  return escaped != 0 && (column < 31 ? (escaped & (1 << column)) != 0 : (escaped & ESCAPED_BEYOND_31) != 0);
}

/** The item's number, added when new (-1 when empty or the table is full). */
function itemNumber(start: usize, end: usize): i32 {
  const length = <i32>(end - start);
  if (length == 0) return -1;
  const guessAt = itemGuesses + <usize>(((length * 31 + load<u8>(start) + load<u8>(end - 1) * 7) & 255) << 2);
  const guess = load<i32>(guessAt) - 1;
  if (guess >= 0 && isItem(guess, start, length)) return guess;
  for (let item: i32 = 0; item < itemCount; item++) {
    if (isItem(item, start, length)) {
      store<i32>(guessAt, item + 1);
      return item;
    }
  }
  if (itemCount == MAX_ITEMS || itemBytesUsed + length > ITEM_BYTES) return -1;
  const item = itemCount++;
  memory.copy(itemBytes + <usize>itemBytesUsed, start, length);
  store<i32>(itemStarts + <usize>(item << 2), itemBytesUsed);
  store<i32>(itemLengths + <usize>(item << 2), length);
  itemBytesUsed += length;
  store<i32>(guessAt, item + 1);
  return item;
}

function isItem(item: i32, start: usize, length: i32): bool {
  return (
    load<i32>(itemLengths + <usize>(item << 2)) == length &&
    equalBytes(itemBytes + <usize>load<i32>(itemStarts + <usize>(item << 2)), start, length)
  );
}

/** Whether the row's device is the previous row's (then remembers it). */
function isPreviousDevice(column: i32, start: usize, end: usize): bool {
  const length = <i32>(end - start);
  if (
    column >= 0 &&
    column == previousDeviceColumn &&
    length == previousDeviceLength &&
    equalBytes(previousDevice, start, length)
  ) {
    return true;
  }
  if (column >= 0 && length <= MAX_REMEMBERED_DEVICE) {
    memory.copy(previousDevice, start, length);
    previousDeviceColumn = column;
    previousDeviceLength = length;
  } else {
    previousDeviceColumn = -1;
  }
  return false;
}

function equalBytes(a: usize, b: usize, length: i32): bool {
  let i: usize = 0;
  const n = <usize>length;
  for (; i + 8 <= n; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  for (; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

// A field's content: quotes and a CR before the newline excluded (as the aggregator's `span`).

@inline
function spanStart(recordStart: usize, rowEnds: usize, column: i32): usize {
  const start = column == 0 ? recordStart : <usize>load<i32>(rowEnds + <usize>((column - 1) << 2)) + 1;
  return load<u8>(start) == QUOTE ? start + 1 : start;
}

@inline
function spanEnd(recordStart: usize, rowEnds: usize, column: i32): usize {
  const start = column == 0 ? recordStart : <usize>load<i32>(rowEnds + <usize>((column - 1) << 2)) + 1;
  const end = <usize>load<i32>(rowEnds + <usize>(column << 2));
  if (load<u8>(start) == QUOTE) return end - 1;
  if (end > start && load<u8>(end) == LF && load<u8>(end - 1) == CR) return end - 1;
  return end;
}

/** 1-31 for a yyyyMMdd date in the month, MONTHLY_ROW for yyyyMM, BAD_DATE or OTHER_MONTH. The first dated row sets the month. */
function readDate(recordStart: usize, rowEnds: usize): i32 {
  const start = spanStart(recordStart, rowEnds, dateColumn);
  const length = <i32>(spanEnd(recordStart, rowEnds, dateColumn) - start);
  // Rows of the same day tend to come together.
  if (length == 8 && load<u64>(start) == lastDateBytes) return lastDay;
  const day = readNewDate(start, length);
  if (length == 8 && day >= 1) {
    lastDateBytes = load<u64>(start);
    lastDay = day;
  }
  return day;
}

// The last yyyyMMdd date read in the month, and its day.
let lastDateBytes: u64 = 0;
let lastDay: i32 = 0;

function readNewDate(start: usize, length: i32): i32 {
  if (length != 8 && length != 6) return BAD_DATE;
  let month: i32 = 0;
  for (let i: usize = 0; i < 6; i++) {
    const digit = <i32>load<u8>(start + i) - ZERO;
    if (<u32>digit > 9) return BAD_DATE;
    month = month * 10 + digit;
  }
  if (month != yearMonth) {
    const monthOfYear = month % 100;
    if (month < 100001 || monthOfYear < 1 || monthOfYear > 12) return BAD_DATE;
    if (yearMonth != 0) return OTHER_MONTH;
    setMonth(month);
  }
  if (length == 6) return MONTHLY_ROW;
  const tens = <i32>load<u8>(start + 6) - ZERO;
  const ones = <i32>load<u8>(start + 7) - ZERO;
  if (<u32>tens > 9 || <u32>ones > 9) return BAD_DATE;
  const day = tens * 10 + ones;
  return day >= 1 && day <= daysInMonth ? day : BAD_DATE;
}

/** Reads a decimal field into `mantissa` and `scale` (trailing zeros of the fraction dropped). */
function readDecimal(start: usize, end: usize): i32 {
  const length = <i32>(end - start);
  if (length >= 1 && length <= 8) {
    const status = readShortDecimal(start, length);
    if (status != NOT_SHORT) return status;
  }
  return readAnyDecimal(start, end);
}

const NOT_SHORT: i32 = -1;
const ONES: u64 = 0x0101010101010101;
const HIGH_BITS: u64 = 0x8080808080808080;

/**
 * Most amounts, quantities and unit prices: up to 8 bytes, unsigned, digits and at most one point
 * inside. Read from one 8-byte word without a loop (the loops' variable exits mispredict), else
 * NOT_SHORT.
 */
function readShortDecimal(start: usize, length: i32): i32 {
  const field: u64 = length == 8 ? <u64>-1 : (<u64>1 << (<u64>length << 3)) - 1;
  // Digits become 0-9, the point 0x1e, the bytes past the field 0.
  const x = (load<u64>(start) ^ (ONES * 0x30)) & field;
  // The first zero byte of x ^ points: the point, or the end of the field.
  const points = x ^ ((ONES * 0x1e) & field);
  const zeros = (points - ONES) & ~points & HIGH_BITS;
  const point = zeros == 0 ? 8 : <i32>(ctz(zeros) >> 3);
  let digits = x;
  let count = length;
  let places: i32 = 0;
  if (point < length) {
    // "12." and "." are left to the general reader.
    if (point == length - 1) return NOT_SHORT;
    const before = x & ((<u64>1 << (<u64>point << 3)) - 1);
    digits = before | ((x >> (<u64>(point + 1) << 3)) << (<u64>point << 3));
    count = length - 1;
    places = length - 1 - point;
  }
  // Every byte a digit (a sign, a second point or an exponent is not).
  if ((((digits + ONES * 0x76) | digits) & HIGH_BITS) != 0) return NOT_SHORT;
  // The last non-zero digit: zeros after it in the fraction are dropped.
  const nonZero = ((digits + ONES * 0x7f) | digits) & HIGH_BITS;
  if (nonZero == 0) {
    mantissa = 0;
    scale = 0;
    return DECIMAL_OK;
  }
  const lastNonZero = <i32>((63 - clz(nonZero)) >> 3);
  const dropped = min(count - 1 - lastNonZero, places);
  count -= dropped;
  places -= dropped;
  // Right-align the digits (leading zero digits in front) and combine them pairwise.
  let word = digits << (<u64>(8 - count) << 3);
  word = (word * 2561) >> 8;
  word = ((word & 0x00ff00ff00ff00ff) * 6553601) >> 16;
  word = ((word & 0x0000ffff0000ffff) * 42949672960001) >> 32;
  mantissa = <f64>word;
  scale = places;
  return DECIMAL_OK;
}

/** Any decimal, by the grammar above. */
function readAnyDecimal(start: usize, end: usize): i32 {
  mantissa = 0;
  scale = 0;
  if (start == end) return DECIMAL_EMPTY;
  let i = start;
  let negative = false;
  let c = load<u8>(i);
  if (c == MINUS || c == PLUS) {
    negative = c == MINUS;
    i++;
  }
  const digitsStart = i;
  // In an i64: exact for the at most 15 significant digits read here (more are read as text).
  let value: i64 = 0;
  for (; i < end; i++) {
    const digit = <i32>load<u8>(i) - ZERO;
    if (<u32>digit > 9) break;
    value = value * 10 + <i64>digit;
  }
  let digits = <i32>(i - digitsStart);
  let fractionStart = i;
  let fractionEnd = i;
  if (i < end && load<u8>(i) == DOT) {
    fractionStart = ++i;
    while (i < end && <u32>(<i32>load<u8>(i) - ZERO) <= 9) i++;
    fractionEnd = i;
    digits += <i32>(fractionEnd - fractionStart);
  }
  if (digits == 0) return DECIMAL_INVALID;
  if (i < end) {
    c = load<u8>(i);
    if (c != LOWER_E && c != UPPER_E) return DECIMAL_INVALID;
    // Exponents are rare (some exporters write tiny unit prices as 1.8E-7): the text path reads them.
    return isExponentTail(i + 1, end) ? DECIMAL_LONG : DECIMAL_INVALID;
  }
  if (digits > FAST_DIGITS && significantDigits(digitsStart, end) > FAST_DIGITS) return DECIMAL_LONG;
  // "12.50" counts as one place, so trailing zeros never raise the scale of every sum.
  while (fractionEnd > fractionStart && load<u8>(fractionEnd - 1) == <u8>ZERO) fractionEnd--;
  for (i = fractionStart; i < fractionEnd; i++) value = value * 10 + <i64>(<i32>load<u8>(i) - ZERO);
  if (value == 0) return DECIMAL_OK;
  const places = <i32>(fractionEnd - fractionStart);
  if (places > MAX_DECIMAL_PLACES) return DECIMAL_INVALID;
  mantissa = negative ? -(<f64>value) : <f64>value;
  scale = places;
  return DECIMAL_OK;
}

/** Digits from the first non-zero one (the point skipped). */
function significantDigits(start: usize, end: usize): i32 {
  let i = start;
  while (i < end && (load<u8>(i) == <u8>ZERO || load<u8>(i) == DOT)) i++;
  let count: i32 = 0;
  for (; i < end; i++) if (load<u8>(i) != DOT) count++;
  return count;
}

function isExponentTail(start: usize, end: usize): bool {
  let i = start;
  if (i < end && (load<u8>(i) == PLUS || load<u8>(i) == MINUS)) i++;
  if (i == end) return false;
  for (; i < end; i++) {
    if (<u32>(<i32>load<u8>(i) - ZERO) > 9) return false;
  }
  return true;
}
