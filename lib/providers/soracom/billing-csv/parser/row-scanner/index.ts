import { ROW_SCANNER_WASM } from './row-scanner.wasm.ts';

/**
 * The WebAssembly row scanner (source: ./assembly/index.ts) and the memory it works in. The
 * aggregator appends the file's bytes as they come (`append`), asks for the next rows (`scanRows`) and
 * reads them from the row tape; bytes of a record not yet complete stay pending for the next chunk.
 *
 * Memory: the module's own static data in the first page, then the row tape, the field ends and the
 * pending input, which grows at the end.
 */
interface Exports {
  configure(
    columns: number,
    date: number,
    item: number,
    unitPrice: number,
    quantity: number,
    amount: number,
  ): void;
  addDeviceColumn(column: number): void;
  setMonth(yearMonth: number): number;
  month(): number;
  setLine(line: number): void;
  nextLine(): number;
  stopped(): number;
  scan(
    pos: number,
    limit: number,
    atEnd: number,
    ends: number,
    stride: number,
    rows: number,
    maxRows: number,
  ): number;
}

const PAGE = 65536;
/** Rows per `scan`: enough to make a call's cost vanish, few enough for the tape to stay in cache. */
const TAPE_ROWS = 1024;
/** Readable bytes past the input: the scanner looks at 64-byte windows. */
const SLACK = 64;
const LF = 0x0a;

let compiled: WebAssembly.Module | undefined;

function instantiate(memory: WebAssembly.Memory): Record<string, unknown> {
  compiled ??= new WebAssembly.Module(Buffer.from(ROW_SCANNER_WASM, 'base64'));
  return new WebAssembly.Instance(compiled, { env: { memory } }).exports;
}

/** The scanner's functions, each checked to be exported (a wasm built from other sources fails here, once). */
function kernelOf(exports: Record<string, unknown>): Exports {
  const fn = (name: keyof Exports) => {
    const exported = exports[name];
    if (typeof exported !== 'function') throw new Error(`row scanner: no function ${name}`);
    // Wasm functions take and return numbers (i32 and f64 here).
    return (...args: number[]): number => exported(...args);
  };
  return {
    configure: fn('configure'),
    addDeviceColumn: fn('addDeviceColumn'),
    setMonth: fn('setMonth'),
    month: fn('month'),
    setLine: fn('setLine'),
    nextLine: fn('nextLine'),
    stopped: fn('stopped'),
    scan: fn('scan'),
  };
}

function constant(exports: Record<string, unknown>, name: string): number {
  const global = exports[name];
  const value = typeof global === 'object' && global !== null && 'value' in global ? global.value : undefined;
  if (typeof value !== 'number') throw new Error(`row scanner: no constant ${name}`);
  return value;
}

/** The scanner's constants, read once from the module (it defines them). */
const probe = instantiate(new WebAssembly.Memory({ initial: 1 }));
const c = (name: string) => constant(probe, name);
export const SCAN = {
  SYNTAX_OK: c('SYNTAX_OK'),
  SYNTAX_UNTERMINATED: c('SYNTAX_UNTERMINATED'),
  SYNTAX_TEXT_AFTER_QUOTE: c('SYNTAX_TEXT_AFTER_QUOTE'),
  SYNTAX_STRAY_QUOTE: c('SYNTAX_STRAY_QUOTE'),
  MONTHLY_ROW: c('MONTHLY_ROW'),
  OTHER_MONTH: c('OTHER_MONTH'),
  DECIMAL_OK: c('DECIMAL_OK'),
  DECIMAL_EMPTY: c('DECIMAL_EMPTY'),
  DECIMAL_LONG: c('DECIMAL_LONG'),
  DECIMAL_INVALID: c('DECIMAL_INVALID'),
  ROW_START: c('ROW_START'),
  ROW_LINE: c('ROW_LINE'),
  ROW_FIELDS: c('ROW_FIELDS'),
  ROW_SYNTAX: c('ROW_SYNTAX'),
  ROW_ESCAPED: c('ROW_ESCAPED'),
  ROW_DAY: c('ROW_DAY'),
  ROW_AMOUNT_STATUS: c('ROW_AMOUNT_STATUS'),
  ROW_AMOUNT_SCALE: c('ROW_AMOUNT_SCALE'),
  ROW_QUANTITY_STATUS: c('ROW_QUANTITY_STATUS'),
  ROW_QUANTITY_SCALE: c('ROW_QUANTITY_SCALE'),
  ROW_UNIT_PRICE_STATUS: c('ROW_UNIT_PRICE_STATUS'),
  ROW_ITEM_START: c('ROW_ITEM_START'),
  ROW_ITEM_END: c('ROW_ITEM_END'),
  ROW_DEVICE_COLUMN: c('ROW_DEVICE_COLUMN'),
  ROW_DEVICE_START: c('ROW_DEVICE_START'),
  ROW_DEVICE_END: c('ROW_DEVICE_END'),
  ROW_DEVICE_SAME: c('ROW_DEVICE_SAME'),
  ROW_ITEM: c('ROW_ITEM'),
  MAX_ITEMS: c('MAX_ITEMS'),
  ROW_AMOUNT_MANTISSA: c('ROW_AMOUNT_MANTISSA'),
  ROW_QUANTITY_MANTISSA: c('ROW_QUANTITY_MANTISSA'),
} as const;
const ROW_BYTES = c('ROW_BYTES');

export class RowScanner {
  private readonly memory = new WebAssembly.Memory({ initial: 8 });
  private readonly kernel = kernelOf(instantiate(this.memory));
  /** Views of the whole memory (renewed when it grows): positions from the scanner are byte offsets into `bytes`. */
  bytes = new Uint8Array(this.memory.buffer);
  ints = new Int32Array(this.memory.buffer);
  floats = new Float64Array(this.memory.buffer);
  /** The row tape: row i's i32 slots start at ints[tapeInts + i * rowInts], its f64 slots at floats[(tapeInts + i * rowInts) / 2]. */
  readonly tapeInts = PAGE / 4;
  readonly rowInts = ROW_BYTES / 4;
  /** Where the field ends start, in i32s; each row's take `stride` of them. */
  readonly endsInts = (PAGE + TAPE_ROWS * ROW_BYTES) / 4;
  private endsCapacity = TAPE_ROWS * 64;
  private inputStart = (this.endsInts + this.endsCapacity) * 4;
  pendingLength = 0;
  /** Where the first pending record ends, after `scanFirst`. */
  private firstEnd = 0;

  /** Adds bytes after the pending ones. */
  append(chunk: Uint8Array): void {
    this.reserve(this.inputStart + this.pendingLength + chunk.length + SLACK);
    this.bytes.set(chunk, this.inputStart + this.pendingLength);
    this.pendingLength += chunk.length;
  }

  /** The pending bytes (a view: valid until the next append). */
  pending(): Uint8Array {
    return this.bytes.subarray(this.inputStart, this.inputStart + this.pendingLength);
  }

  /** Forgets the first `count` pending bytes. */
  dropPending(count: number): void {
    const start = this.inputStart;
    this.bytes.copyWithin(start, start + count, start + this.pendingLength);
    this.pendingLength -= count;
  }

  get line(): number {
    return this.kernel.nextLine();
  }

  set line(line: number) {
    this.kernel.setLine(line);
  }

  /** Sets the billing month (yyyyMM): the scanner reports rows of other months. Returns its number of days. */
  setMonth(yearMonth: number): number {
    return this.kernel.setMonth(yearMonth);
  }

  /** The month of the first dated row, or the one set (0: none yet). */
  month(): number {
    return this.kernel.month();
  }

  /** From the header on, every row with `columns` fields gets its date, amounts, item and device read. */
  configure(
    columns: Record<'count' | 'date' | 'item' | 'unitPrice' | 'quantity' | 'amount', number>,
    devices: readonly number[],
  ): void {
    this.kernel.configure(
      columns.count,
      columns.date,
      columns.item,
      columns.unitPrice,
      columns.quantity,
      columns.amount,
    );
    for (const column of devices) this.kernel.addDeviceColumn(column);
  }

  /**
   * Splits the complete pending records into rows (`stride` field ends each), calling `take` with
   * the number of rows on the tape each time it fills, and drops their bytes; the bytes of an
   * incomplete last record stay pending. With `atEnd` the pending bytes end the file (and end with
   * a newline).
   */
  scanRows(stride: number, atEnd: boolean, take: (rows: number) => void): void {
    const tapeRows = this.reserveEnds(stride, TAPE_ROWS);
    const limit = this.limit();
    let pos = this.inputStart;
    while (pos < limit) {
      const rows = this.scanFrom(pos, limit, atEnd, stride, tapeRows);
      pos = this.kernel.stopped();
      if (rows > 0) take(rows);
      if (rows < tapeRows) break;
    }
    this.dropPending(pos - this.inputStart);
  }

  /**
   * Splits the first complete pending record onto the tape (row 0, up to `stride` field ends) and
   * says whether there was one. Its bytes stay pending until `dropFirst` (so it can be split again
   * with a larger stride).
   */
  scanFirst(stride: number, atEnd: boolean): boolean {
    this.reserveEnds(stride, 1);
    const limit = this.limit();
    if (limit <= this.inputStart) return false;
    const rows = this.scanFrom(this.inputStart, limit, atEnd, stride, 1);
    this.firstEnd = this.kernel.stopped();
    return rows === 1;
  }

  dropFirst(): void {
    this.dropPending(this.firstEnd - this.inputStart);
  }

  /** Just after the last pending newline: only bytes up to there are split (an unquoted field stops at a newline by then). */
  private limit(): number {
    return this.inputStart + this.pending().lastIndexOf(LF) + 1;
  }

  private scanFrom(pos: number, limit: number, atEnd: boolean, stride: number, maxRows: number): number {
    return this.kernel.scan(pos, limit, atEnd ? 1 : 0, this.endsInts * 4, stride, this.tapeInts * 4, maxRows);
  }

  /** Makes room for at least one row of `stride` field ends; returns how many rows (up to `rows`) fit. */
  private reserveEnds(stride: number, rows: number): number {
    if (stride > this.endsCapacity) this.moveInputUp(stride);
    return Math.min(rows, Math.floor(this.endsCapacity / stride));
  }

  /** A header of more columns than the field-end room holds: moves the pending input up. */
  private moveInputUp(endsCapacity: number): void {
    const inputStart = (this.endsInts + endsCapacity) * 4;
    this.reserve(inputStart + this.pendingLength + SLACK);
    this.bytes.copyWithin(inputStart, this.inputStart, this.inputStart + this.pendingLength);
    this.inputStart = inputStart;
    this.endsCapacity = endsCapacity;
  }

  private reserve(bytes: number): void {
    const missing = bytes - this.memory.buffer.byteLength;
    if (missing <= 0) return;
    this.memory.grow(Math.ceil(Math.max(missing, this.memory.buffer.byteLength) / PAGE));
    this.bytes = new Uint8Array(this.memory.buffer);
    this.ints = new Int32Array(this.memory.buffer);
    this.floats = new Float64Array(this.memory.buffer);
  }
}
