/**
 * Exact decimal sums at CSV speed. Every slot holds an integer count of 10^-scale units, where
 * `scale` grows to the largest number of decimal places seen so far (existing slots are rescaled
 * then). The integer lives in a float64 while it stays within ±2^52, where float addition is exact,
 * and moves into a BigInt carry when it would not: so a row costs a few float additions, never a
 * big-decimal allocation.
 */

/** Largest magnitude kept in the float part: the sum of two such values is still an exact float64 integer. */
const FLOAT_LIMIT = 2 ** 52;

/** 10^0 .. 10^22 are exact in float64; beyond that powers go through BigInt. */
const POW10 = Array.from({ length: 23 }, (_, exponent) => 10 ** exponent);
const BIG_POW10 = Array.from({ length: 64 }, (_, exponent) => 10n ** BigInt(exponent));

function bigPow10(exponent: number): bigint {
  return BIG_POW10[exponent] ?? 10n ** BigInt(exponent);
}

/** A decimal read from a row: mantissa × 10^-scale, the mantissa in `big` when it did not fit a float64. */
export interface ExactDecimal {
  mantissa: number;
  big: bigint | null;
  scale: number;
}

export class ScaledSums {
  /** Decimal places of every slot's integer. */
  scale = 0;
  private small: Float64Array;
  /** Slots whose integer outgrew the float part: value = carried + small. */
  private readonly carried = new Map<number, bigint>();
  private used = 0;

  constructor(initialCapacity = 1024) {
    this.small = new Float64Array(initialCapacity);
  }

  /** A new slot holding zero. */
  allocate(): number {
    if (this.used === this.small.length) {
      const grown = new Float64Array(this.small.length * 2);
      grown.set(this.small);
      this.small = grown;
    }
    return this.used++;
  }

  /** `length` new consecutive slots holding zero; returns the first. */
  allocateBlock(length: number): number {
    const first = this.used;
    for (let i = 0; i < length; i++) this.allocate();
    return first;
  }

  /**
   * `mantissa` × 10^-`scale` (|mantissa| ≤ FLOAT_LIMIT) as an integer at the sums' scale, raising
   * the sums' scale first when `scale` is larger. NaN when the result would leave the float fast
   * path: then use `alignBig`.
   */
  align(mantissa: number, scale: number): number {
    if (scale === this.scale) return mantissa;
    if (scale > this.scale) {
      this.rescaleTo(scale);
      return mantissa;
    }
    const shift = this.scale - scale;
    if (shift >= POW10.length) return Number.NaN;
    const aligned = mantissa * POW10[shift]!;
    return Math.abs(aligned) > FLOAT_LIMIT ? Number.NaN : aligned;
  }

  alignBig(mantissa: bigint, scale: number): bigint {
    if (scale > this.scale) this.rescaleTo(scale);
    return mantissa * bigPow10(this.scale - scale);
  }

  /** Adds the value to each slot given (-1: none). */
  add(value: ExactDecimal, first: number, second = -1, third = -1, fourth = -1, fifth = -1): void {
    const aligned = value.big === null ? this.align(value.mantissa, value.scale) : Number.NaN;
    if (!Number.isNaN(aligned)) {
      this.addAligned(first, aligned);
      if (second >= 0) this.addAligned(second, aligned);
      if (third >= 0) this.addAligned(third, aligned);
      if (fourth >= 0) this.addAligned(fourth, aligned);
      if (fifth >= 0) this.addAligned(fifth, aligned);
      return;
    }
    const alignedBig = this.alignBig(value.big ?? BigInt(value.mantissa), value.scale);
    this.addAlignedBig(first, alignedBig);
    if (second >= 0) this.addAlignedBig(second, alignedBig);
    if (third >= 0) this.addAlignedBig(third, alignedBig);
    if (fourth >= 0) this.addAlignedBig(fourth, alignedBig);
    if (fifth >= 0) this.addAlignedBig(fifth, alignedBig);
  }

  /** Adds an integer from `align` (exact: both operands are within ±2^52). */
  addAligned(slot: number, aligned: number): void {
    const sum = this.small[slot]! + aligned;
    if (Math.abs(sum) > FLOAT_LIMIT) {
      this.carried.set(slot, (this.carried.get(slot) ?? 0n) + BigInt(sum));
      this.small[slot] = 0;
    } else {
      this.small[slot] = sum;
    }
  }

  addAlignedBig(slot: number, aligned: bigint): void {
    this.carried.set(slot, (this.carried.get(slot) ?? 0n) + aligned);
  }

  /** The slot's integer at `scale`, as a number when it fits the float part, else a BigInt. */
  private units(slot: number): number | bigint {
    if (this.carried.size === 0) return this.small[slot]!;
    const carried = this.carried.get(slot);
    const small = this.small[slot]!;
    return carried === undefined ? small : carried + BigInt(small);
  }

  /** The slot's exact value as decimal text ("12.5", "-0.0018", "0"). */
  text(slot: number): string {
    return scaledToText(this.units(slot), this.scale);
  }

  isPositive(slot: number): boolean {
    return this.units(slot) > 0;
  }

  /** Several slots added together, as decimal text. */
  sumText(slots: ArrayLike<number>): string {
    const small = this.small;
    let sum = 0;
    let at = 0;
    // Floats while the partial sum stays exact, BigInt from where it would not.
    for (; at < slots.length && this.carried.size === 0; at++) {
      const next = sum + small[slots[at]!]!;
      if (Math.abs(next) > FLOAT_LIMIT) break;
      sum = next;
    }
    if (at === slots.length) return scaledToText(sum, this.scale);
    let total = BigInt(sum);
    for (; at < slots.length; at++) total += BigInt(this.units(slots[at]!));
    return scaledToText(total, this.scale);
  }

  private rescaleTo(scale: number): void {
    const shift = scale - this.scale;
    const factor = bigPow10(shift);
    for (const [slot, carried] of this.carried) this.carried.set(slot, carried * factor);
    const floatFactor = shift < POW10.length ? POW10[shift]! : Number.POSITIVE_INFINITY;
    const small = this.small;
    for (let slot = 0; slot < this.used; slot++) {
      const value = small[slot]!;
      if (value === 0) continue;
      const scaled = value * floatFactor;
      if (Math.abs(scaled) > FLOAT_LIMIT) {
        this.carried.set(slot, (this.carried.get(slot) ?? 0n) + BigInt(value) * factor);
        small[slot] = 0;
      } else {
        small[slot] = scaled;
      }
    }
    this.scale = scale;
  }
}

/** An integer count of 10^-scale units as plain decimal text without trailing zeros, like big.js `toFixed()`. */
function scaledToText(units: number | bigint, scale: number): string {
  const negative = units < 0;
  const digits = (negative ? -units : units).toString();
  if (digits === '0') return '0';
  if (scale === 0) return negative ? `-${digits}` : digits;
  let fractionEnd = digits.length;
  const point = fractionEnd - scale;
  while (fractionEnd > Math.max(point, 0) && digits.charCodeAt(fractionEnd - 1) === 0x30) fractionEnd--;
  let text: string;
  if (point <= 0) {
    text = `0.${'0'.repeat(-point)}${digits.slice(0, fractionEnd)}`;
  } else {
    text =
      fractionEnd === point
        ? digits.slice(0, point)
        : `${digits.slice(0, point)}.${digits.slice(point, fractionEnd)}`;
  }
  return negative ? `-${text}` : text;
}
