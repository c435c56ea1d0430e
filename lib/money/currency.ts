/** ISO 4217 currency codes, validated against the runtime's Intl data rather than a hand-kept table. */
export type CurrencyCode = string & { readonly __currency: unique symbol };

const KNOWN = new Set(Intl.supportedValuesOf('currency'));

export class UnknownCurrencyError extends Error {
  constructor(readonly code: string) {
    super(`"${code}" is not an ISO 4217 currency code; use a three-letter code such as USD, EUR or JPY`);
    this.name = 'UnknownCurrencyError';
  }
}

export function isCurrencyCode(code: string): code is CurrencyCode {
  return KNOWN.has(code);
}

export function currencyCode(code: string): CurrencyCode {
  if (!isCurrencyCode(code)) throw new UnknownCurrencyError(code);
  return code;
}

const minorDigits = new Map<CurrencyCode, number>();

/** Digits after the decimal point in the currency's minor unit: JPY 0, USD 2, BHD 3. */
export function minorUnitDigits(code: CurrencyCode): number {
  let digits = minorDigits.get(code);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
      .maximumFractionDigits as number;
    minorDigits.set(code, digits);
  }
  return digits;
}
