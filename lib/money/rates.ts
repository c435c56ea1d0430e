import type { CurrencyCode } from './currency.ts';
import { CurrencyMismatchError, type Decimal, Money } from './money.ts';

export interface ExchangeRate {
  from: CurrencyCode;
  to: CurrencyCode;
  /** Units of `to` per one unit of `from`. */
  rate: Decimal;
}

/** Configured conversion rates. Only explicit rates are used: no silent triangulation through a third currency. */
export class ExchangeRates {
  /** "USD->JPY" → how to convert: multiply by a configured rate, or divide by the reverse one. */
  private readonly table = new Map<string, { rate: Decimal; divide: boolean }>();

  constructor(rates: Iterable<ExchangeRate> = []) {
    for (const { from, to, rate } of rates) {
      this.table.set(`${from}->${to}`, { rate, divide: false });
      // The reverse direction is implied unless configured separately; dividing keeps 300 JPY at 150 exactly 2 USD.
      const reverse = this.table.get(`${to}->${from}`);
      if (!reverse || reverse.divide) this.table.set(`${to}->${from}`, { rate, divide: true });
    }
  }

  has(from: CurrencyCode, to: CurrencyCode): boolean {
    return from === to || this.table.has(`${from}->${to}`);
  }

  convert(money: Money, to: CurrencyCode): Money {
    if (money.currency === to) return money;
    const entry = this.table.get(`${money.currency}->${to}`);
    if (!entry) throw new CurrencyMismatchError(to, money.currency);
    return Money.of(entry.divide ? money.amount.div(entry.rate) : money.amount.times(entry.rate), to);
  }

  /** Adds amounts in any configured currency, converting each to `currency`. */
  sum(items: Iterable<Money>, currency: CurrencyCode): Money {
    let total = Money.zero(currency);
    for (const item of items) total = total.plus(this.convert(item, currency));
    return total;
  }
}
