export {
  type CurrencyCode,
  currencyCode,
  isCurrencyCode,
  minorUnitDigits,
  UnknownCurrencyError,
} from './currency.ts';
export {
  CurrencyMismatchError,
  type Decimal,
  type DecimalInput,
  decimal,
  InvalidAmountError,
  isDecimalText,
  Money,
} from './money.ts';
export { type ExchangeRate, ExchangeRates } from './rates.ts';
