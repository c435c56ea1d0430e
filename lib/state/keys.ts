/**
 * The keys every ObjectStore accepts: "/"-separated parts of letters, digits, ".", "_", "-" and "=".
 * One rule for all stores, so a key that works in memory works on disk and in S3, and a key can never
 * climb out of the filesystem store's directory ("." and ".." parts are refused).
 */
const PART = /^[A-Za-z0-9._=-]+$/;
const MAX_KEY_LENGTH = 512;

function check(what: 'key' | 'prefix', value: string, parts: string[]): void {
  const refuse = (why: string): never => {
    throw new RangeError(`object ${what} ${JSON.stringify(value)} ${why}`);
  };
  if (value.length > MAX_KEY_LENGTH) refuse(`is longer than ${MAX_KEY_LENGTH} characters`);
  for (const part of parts) {
    if (!PART.test(part)) refuse('needs "/"-separated parts of letters, digits, ".", "_", "-" or "="');
    if (part === '.' || part === '..') refuse('has a "." or ".." part');
  }
}

/** Returns `key` when it is a valid object key, else throws a RangeError saying why. */
export function checkKey(key: string): string {
  check('key', key, key.split('/'));
  return key;
}

/** Returns `prefix` when valid: "" or the start of a key, ending at a "/" or inside a part. */
export function checkPrefix(prefix: string): string {
  const parts = prefix.split('/');
  const partial = parts.pop()!;
  check('prefix', prefix, parts);
  // The unfinished last part only filters names (it never becomes a path), so only its characters matter.
  if (partial !== '' && !PART.test(partial)) check('prefix', prefix, [partial]);
  return prefix;
}

/** A configured prefix ("spendwatch/prod" or "spendwatch/prod/") as the start of keys: "" or ending in "/". */
export function keyPrefix(prefix = ''): string {
  return checkPrefix(prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`);
}
