import Big from 'big.js';
import { cachedFormat } from '../intl/formats.ts';
import { type CurrencyCode, currencyCode, minorUnitDigits } from './currency.ts';

// Division (percentages, forecasts) keeps 20 decimal places; sums and products are exact.
Big.DP = 20;
Big.RM = Big.roundHalfEven;

export type Decimal = Big;
export type DecimalInput = string | number | Big;

const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export class InvalidAmountError extends Error {
  constructor(readonly value: unknown) {
    super(
      `${JSON.stringify(value)} is not a decimal amount; write digits with an optional "." such as "1234.56"`,
    );
    this.name = 'InvalidAmountError';
  }
}

/**
 * Parses a decimal exactly. A JS number is taken through its shortest round-trip text, which is
 * exact for the up-to-15-significant-digit amounts that billing APIs send as JSON numbers.
 */
export function decimal(value: DecimalInput): Decimal {
  if (value instanceof Big) return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidAmountError(value);
    return new Big(String(value));
  }
  const text = value.trim();
  if (!DECIMAL_TEXT.test(text)) throw new InvalidAmountError(value);
  // big.js refuses an explicit "+" sign that the pattern (and JSON-ish sources) allow.
  return new Big(text.startsWith('+') ? text.slice(1) : text);
}

export function isDecimalText(value: string): boolean {
  return DECIMAL_TEXT.test(value.trim());
}

export class CurrencyMismatchError extends Error {
  constructor(
    readonly left: CurrencyCode,
    readonly right: CurrencyCode,
  ) {
    super(
      `cannot combine ${left} and ${right} amounts without an exchange rate; add a rate ${right}->${left} under "rates" in the config`,
    );
    this.name = 'CurrencyMismatchError';
  }
}

/** An exact decimal amount in one ISO 4217 currency. Immutable. */
export class Money {
  private constructor(
    readonly amount: Decimal,
    readonly currency: CurrencyCode,
  ) {}

  static of(amount: DecimalInput, currency: string): Money {
    return new Money(decimal(amount), currencyCode(currency));
  }

  static zero(currency: string): Money {
    return Money.of(0, currency);
  }

  static sum(items: Iterable<Money>, currency: string): Money {
    let total = Money.zero(currency);
    for (const item of items) total = total.plus(item);
    return total;
  }

  plus(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.amount.plus(other.amount), this.currency);
  }

  minus(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.amount.minus(other.amount), this.currency);
  }

  times(factor: DecimalInput): Money {
    return new Money(this.amount.times(decimal(factor)), this.currency);
  }

  /** this / other as a plain decimal (e.g. 0.8 for 80 %). */
  ratioTo(other: Money): Decimal {
    this.assertSameCurrency(other);
    if (other.amount.eq(0)) throw new RangeError(`cannot divide by a zero ${other.currency} amount`);
    return this.amount.div(other.amount);
  }

  compare(other: Money): -1 | 0 | 1 {
    this.assertSameCurrency(other);
    return this.amount.cmp(other.amount) as -1 | 0 | 1;
  }

  gte(other: Money): boolean {
    return this.compare(other) >= 0;
  }

  lt(other: Money): boolean {
    return this.compare(other) < 0;
  }

  isZero(): boolean {
    return this.amount.eq(0);
  }

  /** Rounded to the currency's minor unit (half-even), e.g. JPY 0 digits, USD 2. */
  roundedToMinorUnit(): Money {
    return new Money(this.amount.round(minorUnitDigits(this.currency), Big.roundHalfEven), this.currency);
  }

  /** Plain decimal text, no exponent: "1234.5". */
  toDecimalString(): string {
    return this.amount.toFixed();
  }

  /** "1234.56 USD": unambiguous, locale-free; used in logs and JSON. */
  toString(): string {
    return `${this.toDecimalString()} ${this.currency}`;
  }

  toJSON(): { amount: string; currency: string } {
    return { amount: this.toDecimalString(), currency: this.currency };
  }

  /**
   * For people: "$1,234.56", "¥12,346" (minor unit of the currency, locale-aware grouping).
   * `display: 'code'` gives "JPY 12,346" for places that must stay ASCII (email subjects).
   */
  format(locale = 'en-US', display: 'symbol' | 'code' = 'symbol'): string {
    const formatter = cachedFormat(
      `money ${locale} ${this.currency} ${display}`,
      () =>
        new Intl.NumberFormat(locale, {
          style: 'currency',
          currency: this.currency,
          currencyDisplay: display,
        }),
    );
    // Intl formats a decimal string exactly (no float rounding on the way); big.js writes plain
    // notation ("-1234.5"), which is the string numeric literal Intl takes.
    return formatter.format(this.toDecimalString() as Intl.StringNumericLiteral);
  }

  equals(other: Money): boolean {
    return this.currency === other.currency && this.amount.eq(other.amount);
  }

  private assertSameCurrency(other: Money): void {
    if (other.currency !== this.currency) throw new CurrencyMismatchError(this.currency, other.currency);
  }
}
