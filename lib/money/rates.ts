import type { CurrencyCode } from './currency.ts';
import { CurrencyMismatchError, type Decimal, decimal, Money } from './money.ts';

export interface ExchangeRate {
  from: CurrencyCode;
  to: CurrencyCode;
  /** Units of `to` per one unit of `from`. */
  rate: Decimal;
}

/** Configured conversion rates. Only explicit rates are used: no silent triangulation through a third currency. */
export class ExchangeRates {
  private readonly table = new Map<string, Decimal>();

  constructor(rates: Iterable<ExchangeRate> = []) {
    for (const { from, to, rate } of rates) {
      this.table.set(`${from}->${to}`, rate);
      // The reverse direction is implied unless configured separately.
      if (!this.table.has(`${to}->${from}`)) this.table.set(`${to}->${from}`, decimal(1).div(rate));
    }
  }

  has(from: CurrencyCode, to: CurrencyCode): boolean {
    return from === to || this.table.has(`${from}->${to}`);
  }

  convert(money: Money, to: CurrencyCode): Money {
    if (money.currency === to) return money;
    const rate = this.table.get(`${money.currency}->${to}`);
    if (!rate) throw new CurrencyMismatchError(to, money.currency);
    return Money.of(money.amount.times(rate), to);
  }

  /** Adds amounts in any configured currency, converting each to `currency`. */
  sum(items: Iterable<Money>, currency: CurrencyCode): Money {
    let total = Money.zero(currency);
    for (const item of items) total = total.plus(this.convert(item, currency));
    return total;
  }
}
