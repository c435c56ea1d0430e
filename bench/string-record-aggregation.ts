/**
 * The same aggregation as the ingest, for parsers that hand out records as arrays of strings
 * (csv-parse, papaparse): per subscriber (+ per item, tags of the first row), per item (+ quantity),
 * per day, monthly charges; amounts summed exactly with the ingest's ScaledSums, so the benchmark
 * compares parsing, not decimal libraries.
 */
import { parseDecimalText } from '../lib/providers/soracom/billing-csv/parser/decimal.ts';
import { SORACOM_CSV_DEVICE_COLUMNS } from '../lib/providers/soracom/billing-csv/parser/index.ts';
import { type ExactDecimal, ScaledSums } from '../lib/providers/soracom/billing-csv/parser/scaled-sums.ts';

const ID_COLUMNS = SORACOM_CSV_DEVICE_COLUMNS;
const SHORT_DECIMAL = /^-?\d+(\.\d+)?$/;

interface Subscriber {
  total: number;
  items: Map<string, number>;
  tags: string[];
}

export interface StringAggregationResult {
  rows: number;
  malformed: number;
  amount: string;
  subscribers: number;
  billItems: number;
}

export class StringRecordAggregator {
  private header: string[] | null = null;
  private idColumns: number[] = [];
  private tagColumns: number[] = [];
  private dateColumn = 0;
  private itemColumn = 0;
  private quantityColumn = 0;
  private amountColumn = 0;
  private readonly amounts = new ScaledSums();
  private readonly quantities = new ScaledSums();
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly items = new Map<string, { total: number; quantity: number }>();
  private readonly periods = new Map<string, number>();
  private readonly amount: ExactDecimal = { mantissa: 0, big: null, scale: 0 };
  private readonly quantity: ExactDecimal = { mantissa: 0, big: null, scale: 0 };
  private rows = 0;
  private malformed = 0;

  add(record: string[]): void {
    if (!this.header) {
      this.readHeader(record);
      return;
    }
    if (record.length === 1 && record[0] === '') return;
    this.rows++;
    if (record.length !== this.header.length) {
      this.malformed++;
      return;
    }
    const date = record[this.dateColumn]!;
    if (!/^\d{6}(\d{2})?$/.test(date)) {
      this.malformed++;
      return;
    }
    const amount = this.amount;
    const quantity = this.quantity;
    const quantityText = record[this.quantityColumn]!;
    if (!read(record[this.amountColumn]!, amount) || (quantityText !== '' && !read(quantityText, quantity))) {
      this.malformed++;
      return;
    }
    const itemName = record[this.itemColumn]!;
    let item = this.items.get(itemName);
    if (!item) {
      item = { total: this.amounts.allocate(), quantity: this.quantities.allocate() };
      this.items.set(itemName, item);
    }
    let period = this.periods.get(date);
    if (period === undefined) {
      period = this.amounts.allocate();
      this.periods.set(date, period);
    }
    const subscriber = this.subscriber(record);
    let subscriberItem = -1;
    if (subscriber) {
      subscriberItem = subscriber.items.get(itemName) ?? -1;
      if (subscriberItem < 0) {
        subscriberItem = this.amounts.allocate();
        subscriber.items.set(itemName, subscriberItem);
      }
    }
    this.amounts.add(amount, period, item.total, subscriber?.total ?? -1, subscriberItem);
    if (quantityText !== '') this.quantities.add(quantity, item.quantity);
  }

  result(): StringAggregationResult {
    return {
      rows: this.rows,
      malformed: this.malformed,
      amount: this.amounts.sumText([...this.periods.values()]),
      subscribers: this.subscribers.size,
      billItems: this.items.size,
    };
  }

  private readHeader(names: string[]): void {
    this.header = names;
    this.idColumns = ID_COLUMNS.map((name) => names.indexOf(name)).filter((column) => column >= 0);
    this.dateColumn = names.indexOf('date');
    this.itemColumn = names.indexOf('billItemName');
    this.quantityColumn = names.indexOf('quantity');
    this.amountColumn = names.indexOf('amount');
    for (let column = this.amountColumn + 1; column < names.length; column++) this.tagColumns.push(column);
  }

  private subscriber(record: string[]): Subscriber | undefined {
    for (const column of this.idColumns) {
      const id = record[column]!;
      if (id === '') continue;
      const key = `${column}:${id}`;
      let subscriber = this.subscribers.get(key);
      if (!subscriber) {
        subscriber = {
          total: this.amounts.allocate(),
          items: new Map(),
          tags: this.tagColumns.map((tag) => record[tag]!),
        };
        this.subscribers.set(key, subscriber);
      }
      return subscriber;
    }
    return undefined;
  }
}

/** Reads decimal text into `into`; false when it is not a decimal. */
function read(text: string, into: ExactDecimal): boolean {
  // Up to 15 characters: at most 15 digits, which a float64 holds exactly.
  if (text.length <= 15 && SHORT_DECIMAL.test(text)) {
    const dot = text.indexOf('.');
    into.mantissa = dot < 0 ? Number(text) : Number(text.slice(0, dot) + text.slice(dot + 1));
    into.big = null;
    into.scale = dot < 0 ? 0 : text.length - dot - 1;
    return true;
  }
  const exact = parseDecimalText(text);
  if (exact === null) return false;
  into.big = exact.mantissa;
  into.scale = exact.scale;
  return true;
}
