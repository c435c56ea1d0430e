/**
 * Intl formats, each made once per key: making one costs far more than formatting with it, and a check
 * formats thousands of amounts and instants. A key names its use and every option that varies (pure).
 */
const formats = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

export function cachedFormat<F extends Intl.NumberFormat | Intl.DateTimeFormat>(
  key: string,
  make: () => F,
): F {
  let format = formats.get(key) as F | undefined;
  if (!format) {
    format = make();
    formats.set(key, format);
  }
  return format;
}
