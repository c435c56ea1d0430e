/**
 * Decimal fields read straight from the CSV bytes into (integer mantissa, decimal places), the form
 * ScaledSums adds exactly. Grammar: [+-] digits [. digits] [e|E [+-] digits], with digits on at
 * least one side of the point ("12", "-0.0018", ".5", "1.8E-7"); no spaces, no thousands separators.
 */

/** Decimal places and integer digits a value may have: enough for any bill, bounded so no row can make a huge BigInt. */
const MAX_DECIMAL_PLACES = 30;
const MAX_INTEGER_DIGITS = 30;

/** Significant digits that always fit a float64 integer exactly (10^15 < 2^52). */
const FAST_DIGITS = 15;
/** Trailing zeros of at most FAST_DIGITS significant digits: exact divisors. */
const POW10 = Array.from({ length: FAST_DIGITS + 1 }, (_, exponent) => 10 ** exponent);

const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** `mantissa` and `scale` hold the value. */
export const DECIMAL_OK = 0;
export const DECIMAL_EMPTY = 1;
/** Valid grammar but too many digits (or an exponent) for the float path: read it with `parseDecimalText`. */
export const DECIMAL_LONG = 2;
export const DECIMAL_INVALID = 3;
export type DecimalStatus = 0 | 1 | 2 | 3;

/** Reads one decimal field; the result lands in the fields (no object per row on the hot path). */
export class DecimalReader {
  mantissa = 0;
  scale = 0;

  read(bytes: Uint8Array, start: number, end: number): DecimalStatus {
    if (start === end) return DECIMAL_EMPTY;
    let i = start;
    let negative = false;
    let c = bytes[i]!;
    if (c === MINUS || c === PLUS) {
      negative = c === MINUS;
      i++;
    }
    const digitsStart = i;
    let mantissa = 0;
    for (; i < end; i++) {
      const digit = bytes[i]! - ZERO;
      if (digit < 0 || digit > 9) break;
      mantissa = mantissa * 10 + digit;
    }
    let digits = i - digitsStart;
    let places = 0;
    if (i < end && bytes[i] === DOT) {
      const fractionStart = ++i;
      for (; i < end; i++) {
        const digit = bytes[i]! - ZERO;
        if (digit < 0 || digit > 9) break;
        mantissa = mantissa * 10 + digit;
      }
      places = i - fractionStart;
      digits += places;
    }
    if (digits === 0) return DECIMAL_INVALID;
    if (i < end) {
      c = bytes[i]!;
      if (c !== LOWER_E && c !== UPPER_E) return DECIMAL_INVALID;
      // Exponents are rare (some exporters write tiny unit prices as 1.8E-7): the general path reads them.
      return isExponentTail(bytes, i + 1, end) ? DECIMAL_LONG : DECIMAL_INVALID;
    }
    if (digits > FAST_DIGITS && significantDigits(bytes, digitsStart, end) > FAST_DIGITS) return DECIMAL_LONG;
    if (mantissa === 0) {
      this.mantissa = 0;
      this.scale = 0;
      return DECIMAL_OK;
    }
    // "12.50" counts as one place, so trailing zeros never raise the scale of every sum.
    if (places > 0 && bytes[end - 1] === ZERO) {
      let zeros = 1;
      while (zeros < places && bytes[end - 1 - zeros] === ZERO) zeros++;
      mantissa /= POW10[zeros]!;
      places -= zeros;
    }
    if (places > MAX_DECIMAL_PLACES) return DECIMAL_INVALID;
    this.mantissa = negative ? -mantissa : mantissa;
    this.scale = places;
    return DECIMAL_OK;
  }
}

/** Digits from the first non-zero one (the point skipped). */
function significantDigits(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && (bytes[i] === ZERO || bytes[i] === DOT)) i++;
  let count = 0;
  for (; i < end; i++) if (bytes[i] !== DOT) count++;
  return count;
}

function isExponentTail(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  if (i < end && (bytes[i] === PLUS || bytes[i] === MINUS)) i++;
  if (i === end) return false;
  for (; i < end; i++) {
    const digit = bytes[i]! - ZERO;
    if (digit < 0 || digit > 9) return false;
  }
  return true;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The general (slow) path: any length, exponents. Returns null when the text is not a decimal or
 * is out of range (more than MAX_DECIMAL_PLACES places or MAX_INTEGER_DIGITS integer digits).
 */
export function parseDecimalText(text: string): { mantissa: bigint; scale: number } | null {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return null;
  const [, sign, whole = '', fraction = '', exponentText] = match;
  if (whole === '' && fraction === '') return null;
  let digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return { mantissa: 0n, scale: 0 };
  // A non-zero value with an absurd exponent cannot be in range; checking its length keeps Number() exact.
  const exponentDigits = exponentText?.replace(/^[+-]?0*/, '') ?? '';
  if (exponentDigits.length > 6) return null;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  let scale = fraction.length - exponent;
  const trailingZeros = digits.length - digits.replace(/0+$/, '').length;
  const dropped = Math.min(trailingZeros, Math.max(scale, 0));
  digits = digits.slice(0, digits.length - dropped);
  scale -= dropped;
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  if (scale > MAX_DECIMAL_PLACES || digits.length - scale > MAX_INTEGER_DIGITS) return null;
  const mantissa = BigInt(digits);
  return { mantissa: sign === '-' ? -mantissa : mantissa, scale };
}
