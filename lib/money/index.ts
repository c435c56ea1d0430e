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
  decimal,
  InvalidAmountError,
  isDecimalText,
  Money,
} from './money.ts';
export { ExchangeRates } from './rates.ts';
