import { describe, expect, it } from 'vitest';
import {
  CurrencyMismatchError,
  currencyCode,
  decimal,
  ExchangeRates,
  InvalidAmountError,
  Money,
  minorUnitDigits,
  UnknownCurrencyError,
} from '../../../lib/money/index.ts';

describe('Money', () => {
  it('adds exactly where floats do not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    const total = Money.sum([Money.of('0.1', 'USD'), Money.of(0.2, 'USD')], 'USD');
    expect(total.toString()).toBe('0.3 USD');
    const many = Money.sum(
      Array.from({ length: 1000 }, () => Money.of('0.01', 'USD')),
      'USD',
    );
    expect(many.toDecimalString()).toBe('10');
  });

  it('refuses to add different currencies', () => {
    expect(() => Money.of(1, 'USD').plus(Money.of(1, 'JPY'))).toThrow(CurrencyMismatchError);
    expect(() => Money.of(1, 'USD').plus(Money.of(1, 'JPY'))).toThrow(/add a rate JPY->USD under "rates"/);
  });

  it('rejects unknown currencies and non-decimal amounts with the fix', () => {
    expect(() => Money.of(1, 'JPX')).toThrow(UnknownCurrencyError);
    expect(() => Money.of(1, 'JPX')).toThrow(/three-letter code/);
    expect(() => Money.of('1,234', 'USD')).toThrow(InvalidAmountError);
    expect(() => Money.of(Number.NaN, 'USD')).toThrow(InvalidAmountError);
    expect(Money.of('+1.5', 'USD').toString()).toBe('1.5 USD');
    expect(() => Money.of('+', 'USD')).toThrow(InvalidAmountError);
  });

  it('formats per currency: JPY without decimals, USD with two', () => {
    expect(Money.of('31250.4', 'JPY').format()).toBe('¥31,250');
    expect(Money.of('1234.5', 'USD').format()).toBe('$1,234.50');
    expect(Money.of('1234.565', 'EUR').format('de-DE')).toBe('1.234,57\u00a0€');
  });

  it('knows minor units from ISO 4217 via Intl', () => {
    expect(minorUnitDigits(currencyCode('JPY'))).toBe(0);
    expect(minorUnitDigits(currencyCode('USD'))).toBe(2);
    expect(minorUnitDigits(currencyCode('BHD'))).toBe(3);
    expect(Money.of('10.005', 'USD').roundedToMinorUnit().toDecimalString()).toBe('10'); // half-even
  });

  it('serialises as exact decimal text with its currency', () => {
    expect(JSON.stringify(Money.of('123456789012345.67', 'USD'))).toBe(
      '{"amount":"123456789012345.67","currency":"USD"}',
    );
    expect(Money.of(1e-7, 'USD').toDecimalString()).toBe('0.0000001');
  });

  it('ratios and comparisons', () => {
    expect(Money.of(80, 'USD').ratioTo(Money.of(100, 'USD')).toFixed()).toBe('0.8');
    expect(Money.of(100, 'USD').gte(Money.of('99.99', 'USD'))).toBe(true);
    expect(() => Money.of(1, 'USD').ratioTo(Money.zero('USD'))).toThrow(RangeError);
  });
});

describe('ExchangeRates', () => {
  const rates = new ExchangeRates([
    { from: currencyCode('USD'), to: currencyCode('JPY'), rate: decimal('150') },
  ]);

  it('converts with a configured rate, both ways', () => {
    expect(rates.convert(Money.of('2.5', 'USD'), currencyCode('JPY')).toString()).toBe('375 JPY');
    expect(rates.convert(Money.of('300', 'JPY'), currencyCode('USD')).toString()).toBe('2 USD');
    expect(rates.sum([Money.of(1, 'USD'), Money.of(50, 'JPY')], currencyCode('JPY')).toString()).toBe(
      '200 JPY',
    );
  });

  it('does not triangulate or guess', () => {
    expect(() => rates.convert(Money.of(1, 'EUR'), currencyCode('JPY'))).toThrow(CurrencyMismatchError);
  });
});
