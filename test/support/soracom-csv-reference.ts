/**
 * The slow, obviously-correct reading of a Soracom billing CSV that the fast ingest is checked
 * against: csv-parse splits the whole text, big.js adds, plain objects keep the state. It follows the
 * same documented rules (checks in the same order, same messages) so whole summaries can be compared.
 * Syntax errors (bad quoting) are left to the unit tests: csv-parse would stop at them.
 */
import Big from 'big.js';
import { parse } from 'csv-parse/sync';
import {
  SORACOM_CSV_DEVICE_COLUMNS,
  type SoracomCsvBillItem,
  type SoracomCsvMalformedRow,
  type SoracomCsvSubscriber,
  type SoracomCsvSummary,
} from '../../lib/providers/soracom/billing-csv/parser/index.ts';

const ID_COLUMNS = SORACOM_CSV_DEVICE_COLUMNS;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const MAX_PLACES = 30;
const MAX_INTEGER_DIGITS = 30;

interface Options {
  currency: string;
  month?: string;
  maxMalformedRows?: number;
  deviceDays?: boolean;
  itemDays?: { from: number; to: number; carryFrom?: number };
}

interface ReferenceSubscriber {
  summary: SoracomCsvSubscriber;
  total: Big;
  items: Map<string, Big>;
  days: Map<string, Big>;
  itemDays: Map<string, Map<string, Big>>;
  /** Per day of carryFrom..itemDays.from-1, per item. */
  carryDays: Map<string, Map<string, Big>>;
}

export function referenceSummary(text: string, options: Options): SoracomCsvSummary {
  const records = parse(text, {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    record_delimiter: ['\r\n', '\n'],
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const [header, ...rows] = records;
  if (!header) throw new Error('no header');
  const names = header.record;
  const column = (name: string) => names.indexOf(name);
  const amountColumn = column('amount');
  const tagColumns = names.slice(amountColumn + 1);
  const idColumns = ID_COLUMNS.filter((kind) => names.includes(kind));

  let month = options.month?.replace('-', '') ?? null;
  const total = { daily: new Big(0), monthly: new Big(0) };
  const subscribers = new Map<string, ReferenceSubscriber>();
  const unattributed = { rowCount: 0, total: new Big(0) };
  const items = new Map<string, { total: Big; quantity: Big }>();
  const days = new Map<string, Big>();
  const monthly = { rowCount: 0, total: new Big(0) };
  const malformed: SoracomCsvMalformedRow[] = [];
  let malformedCount = 0;

  // csv-parse counts the line a record ends on, and counts a CR inside quotes as a line of its own.
  let quotedCarriageReturns = count(header.record.join(''), '\r');
  for (const { record, info } of rows) {
    const content = record.join('');
    quotedCarriageReturns += count(content, '\r');
    const line = info.lines - quotedCarriageReturns - count(content, '\n');
    const reject = (reason: string) => {
      malformedCount++;
      if (malformed.length < (options.maxMalformedRows ?? 20)) malformed.push({ line, reason });
    };
    if (record.length !== names.length) {
      reject(`expected ${names.length} columns, found ${record.length}`);
      continue;
    }
    const field = (name: string) => record[column(name)]!;

    const date = field('date');
    const dateMonth = date.slice(0, 6);
    const validMonth = Number(dateMonth.slice(4)) >= 1 && Number(dateMonth.slice(4)) <= 12 && date[0] !== '0';
    if (!/^(\d{6}|\d{8})$/.test(date) || !validMonth) {
      reject(`bad date ${JSON.stringify(date)} (expected yyyyMMdd or yyyyMM)`);
      continue;
    }
    if (month !== null && dateMonth !== month) {
      reject(`date ${JSON.stringify(date)} is outside the month ${month.slice(0, 4)}-${month.slice(4)}`);
      continue;
    }
    month ??= dateMonth;
    const daysInMonth = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(4)), 0)).getUTCDate();
    if (date.length === 8 && (Number(date.slice(6)) < 1 || Number(date.slice(6)) > daysInMonth)) {
      reject(`bad date ${JSON.stringify(date)} (expected yyyyMMdd or yyyyMM)`);
      continue;
    }

    const amount = exactDecimal(field('amount'));
    if (amount === null) {
      rejectDecimal(reject, field('amount'), 'amount');
      continue;
    }
    const quantityText = field('quantity');
    const quantity = quantityText === '' ? new Big(0) : exactDecimal(quantityText);
    if (quantity === null) {
      rejectDecimal(reject, quantityText, 'quantity');
      continue;
    }
    const priceText = field('unitPrice');
    if (priceText !== '' && exactDecimal(priceText) === null) {
      rejectDecimal(reject, priceText, 'unitPrice');
      continue;
    }
    const itemName = field('billItemName');
    if (itemName === '') {
      reject('empty billItemName');
      continue;
    }

    const item = items.get(itemName) ?? { total: new Big(0), quantity: new Big(0) };
    items.set(itemName, { total: item.total.plus(amount), quantity: item.quantity.plus(quantity) });
    const day = date.length === 8 ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}` : null;
    if (day === null) {
      monthly.rowCount++;
      monthly.total = monthly.total.plus(amount);
      total.monthly = total.monthly.plus(amount);
    } else {
      days.set(day, (days.get(day) ?? new Big(0)).plus(amount));
      total.daily = total.daily.plus(amount);
    }
    const kind = idColumns.find((name) => field(name) !== '');
    if (kind === undefined) {
      unattributed.rowCount++;
      unattributed.total = unattributed.total.plus(amount);
      continue;
    }
    const key = `${kind}\u0000${field(kind)}`;
    let subscriber = subscribers.get(key);
    if (!subscriber) {
      const tags = Object.fromEntries(
        tagColumns
          .map((name, index) => [name, record[amountColumn + 1 + index]!])
          .filter(([, value]) => value !== ''),
      );
      subscriber = {
        summary: { id: field(kind), kind, total: '', items: {}, tags },
        total: new Big(0),
        items: new Map(),
        days: new Map(),
        itemDays: new Map(),
        carryDays: new Map(),
      };
      subscribers.set(key, subscriber);
    }
    subscriber.total = subscriber.total.plus(amount);
    subscriber.items.set(itemName, (subscriber.items.get(itemName) ?? new Big(0)).plus(amount));
    if (day === null) continue;
    subscriber.days.set(day, (subscriber.days.get(day) ?? new Big(0)).plus(amount));
    const dayOfMonth = Number(date.slice(6));
    const { from, to, carryFrom } = options.itemDays ?? { from: 32, to: 0 };
    const kept =
      dayOfMonth >= from && dayOfMonth <= to
        ? subscriber.itemDays
        : carryFrom !== undefined && dayOfMonth >= carryFrom && dayOfMonth < from
          ? subscriber.carryDays
          : undefined;
    if (kept) {
      const byItem = kept.get(day) ?? new Map<string, Big>();
      byItem.set(itemName, (byItem.get(itemName) ?? new Big(0)).plus(amount));
      kept.set(day, byItem);
    }
  }

  return {
    currency: options.currency,
    month: month === null ? null : `${month.slice(0, 4)}-${month.slice(4)}`,
    tagColumns,
    rowCount: rows.length,
    totals: {
      amount: text_(total.daily.plus(total.monthly)),
      daily: text_(total.daily),
      monthlyCharges: text_(total.monthly),
    },
    subscribers: [...subscribers.values()].map((subscriber) => subscriberSummary(subscriber, options)),
    unattributed: { rowCount: unattributed.rowCount, total: text_(unattributed.total) },
    billItems: [...items].map(
      ([name, { total, quantity }]): SoracomCsvBillItem => ({
        name,
        total: text_(total),
        quantity: text_(quantity),
      }),
    ),
    days: [...days]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([date, amount]) => ({ date, total: text_(amount) })),
    monthlyCharges: { rowCount: monthly.rowCount, total: text_(monthly.total) },
    malformed: { count: malformedCount, rows: malformed },
  };
}

function subscriberSummary(subscriber: ReferenceSubscriber, options: Options): SoracomCsvSubscriber {
  const texts = (amounts: Map<string, Big>) =>
    Object.fromEntries([...amounts].map(([name, amount]) => [name, text_(amount)]));
  const itemDays = [...subscriber.itemDays]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, items]) => [date, texts(new Map([...items].filter(([, amount]) => !amount.eq(0))))] as const)
    .filter(([, items]) => Object.keys(items).length > 0);
  return {
    ...subscriber.summary,
    total: text_(subscriber.total),
    items: texts(subscriber.items),
    ...(options.deviceDays && {
      days: texts(
        new Map(
          [...subscriber.days].filter(([, amount]) => !amount.eq(0)).sort(([a], [b]) => a.localeCompare(b)),
        ),
      ),
    }),
    ...(options.itemDays && { itemDays: Object.fromEntries(itemDays) }),
    ...(options.itemDays?.carryFrom !== undefined && { itemCarry: carriedItems(subscriber) }),
  };
}

/** Per item, its positive day amounts over the carried days, summed; items with none left out. */
function carriedItems(subscriber: ReferenceSubscriber): Record<string, string> {
  const carried = new Map<string, Big>();
  for (const items of subscriber.carryDays.values()) {
    for (const [item, amount] of items) {
      if (amount.gt(0)) carried.set(item, (carried.get(item) ?? new Big(0)).plus(amount));
    }
  }
  return Object.fromEntries([...carried].map(([item, amount]) => [item, text_(amount)]));
}

/** The decimal, or null when it is not one or is out of the supported range. */
function exactDecimal(text: string): Big | null {
  if (!DECIMAL.test(text)) return null;
  // big.js takes no leading "+".
  const value = new Big(text.replace(/^\+/, ''));
  if (value.eq(0)) return value;
  const places = Math.max(0, value.c.length - value.e - 1);
  if (places > MAX_PLACES || value.e + 1 > MAX_INTEGER_DIGITS) return null;
  return value;
}

function rejectDecimal(reject: (reason: string) => void, text: string, name: string): void {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  reject(`bad decimal in ${name}: ${JSON.stringify(shown)}`);
}

function count(text: string, character: string): number {
  return text.split(character).length - 1;
}

/** Plain decimal text, with no negative zero. */
function text_(value: Big): string {
  return value.eq(0) ? '0' : value.toFixed();
}
