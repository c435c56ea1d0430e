/**
 * Decimal text into (integer mantissa, decimal places), the form ScaledSums adds exactly. Grammar:
 * [+-] digits [. digits] [e|E [+-] digits], with digits on at least one side of the point ("12",
 * "-0.0018", ".5", "1.8E-7"); no spaces, no thousands separators. The row scanner reads most fields
 * from the bytes itself (row-scanner/assembly); this reads the rest: long values and exponents.
 */

/** Decimal places and integer digits a value may have: enough for any bill, bounded so no row can make a huge BigInt. */
const MAX_DECIMAL_PLACES = 30;
const MAX_INTEGER_DIGITS = 30;

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
