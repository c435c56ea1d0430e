/**
 * fast-check arbitraries of every body a schema allows: optional fields present and absent, null
 * where nullable, empty and long lists, each enum value, strings in their format, numbers from tiny
 * to huge, and unknown properties sprinkled on open objects, as real APIs add fields.
 *
 * Written here rather than taken from npm: the schema→fast-check packages found
 * (json-schema-fast-check 0.0.6) are built on fast-check 1 and unmaintained, and the fakers
 * (json-schema-faker, openapi-sampler) draw plain random samples that fast-check cannot shrink.
 *
 * Fields are named by paths: "amount", "data[].quantity", "[].costBreakdownList[].amount"
 * ("[]" is any element of a list, "" the whole body).
 */
import * as fc from 'fast-check';
import type { NumberSchema, ObjectSchema, Schema, StringSchema } from './schema.ts';

export interface ArbitraryOptions {
  /** The value at a path comes from this arbitrary instead (the schema types some figures only loosely). */
  overrides?: Record<string, fc.Arbitrary<unknown>>;
  /** Optional fields at these paths are always present, and never null. */
  require?: string[];
  /** Longest list for arrays not inside another list ("long pages"); default 300. Nested lists stay short. */
  longListLength?: number;
  /**
   * Send null for optional fields too, as Java servers do for absent objects: Swagger 2 (Kill Bill)
   * has no way to say nullable.
   */
  nullForOptional?: boolean;
}

const SHORT_LIST = 4;
const DEFAULT_LONG_LIST = 300;

interface Context {
  overrides: Map<string, fc.Arbitrary<unknown>>;
  required: Set<string>;
  longListLength: number;
  nullForOptional: boolean;
  /** Paths the schema has, to reject overrides and requirements naming none (a typo would test nothing). */
  seen: Set<string>;
}

export function arbitraryOf(schema: Schema, options: ArbitraryOptions = {}): fc.Arbitrary<unknown> {
  const context: Context = {
    overrides: new Map(Object.entries(options.overrides ?? {})),
    required: new Set(options.require),
    longListLength: options.longListLength ?? DEFAULT_LONG_LIST,
    nullForOptional: options.nullForOptional ?? false,
    seen: new Set(),
  };
  const arbitrary = build(schema, '', false, context);
  const unknown = [...context.overrides.keys(), ...context.required].filter(
    (path) => !context.seen.has(path),
  );
  if (unknown.length > 0)
    throw new Error(`no field at ${unknown.join(', ')} in ${schema.title ?? 'the schema'}`);
  return arbitrary;
}

function build(schema: Schema, path: string, inList: boolean, context: Context): fc.Arbitrary<unknown> {
  context.seen.add(path);
  const override = context.overrides.get(path);
  if (override) return override;
  const value = bare(schema, path, inList, context);
  return schema.nullable && !context.required.has(path) ? fc.option(value, { nil: null, freq: 4 }) : value;
}

function bare(schema: Schema, path: string, inList: boolean, context: Context): fc.Arbitrary<unknown> {
  switch (schema.type) {
    case 'object':
      return objectOf(schema, path, inList, context);
    case 'array': {
      // A list of a definition cut where it contains itself is empty.
      if (schema.items.type === 'never') return fc.constant([]);
      const items = build(schema.items, `${path}[]`, true, context);
      const max = schema.maxItems ?? Number.POSITIVE_INFINITY;
      const short = fc.array(items, { maxLength: Math.min(SHORT_LIST, max) });
      const longest = Math.min(context.longListLength, max);
      if (inList || longest <= SHORT_LIST) return short;
      return fc.oneof(
        { weight: 6, arbitrary: short },
        // Any length up to the longest, not "at least some": a failure then shrinks to a short list.
        { weight: 1, arbitrary: fc.array(items, { maxLength: longest, size: 'max' }) },
      );
    }
    case 'string':
      return stringOf(schema);
    case 'number':
    case 'integer':
      return numberOf(schema);
    case 'boolean':
      return schema.enum ? fc.constantFrom(...schema.enum) : fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'any':
      return fc.jsonValue({ maxDepth: 2 });
    case 'union':
      return fc.oneof(
        ...schema.anyOf
          .filter((member) => member.type !== 'never')
          .map((member) => build(member, path, inList, context)),
      );
    case 'never':
      throw new Error(
        `${path || 'the body'}: ${schema.title ?? 'a definition'} is cut here, and no value fits`,
      );
  }
}

function objectOf(
  schema: ObjectSchema,
  path: string,
  inList: boolean,
  context: Context,
): fc.Arbitrary<unknown> {
  const at = (name: string) => (path ? `${path}.${name}` : name);
  const present = Object.keys(schema.properties).filter(
    (name) => schema.required.includes(name) || context.required.has(at(name)),
  );
  const fields = Object.fromEntries(
    Object.entries(schema.properties)
      // A field of a definition cut where it contains itself is left out (an optional one: else it throws).
      .filter(([name, property]) => property.type !== 'never' || present.includes(name))
      .map(([name, property]) => {
        const value = build(property, at(name), inList, context);
        const orNull = context.nullForOptional && !present.includes(name);
        return [name, orNull ? fc.oneof(value, fc.constant(null)) : value];
      }),
  );
  const known = fc.record(fields, { requiredKeys: present });
  const unknownKey = extraKey.filter((key) => !Object.hasOwn(schema.properties, key));
  const extras =
    schema.additionalProperties === false
      ? fc.constant({})
      : fc.dictionary(
          unknownKey,
          schema.additionalProperties === true
            ? fc.jsonValue({ maxDepth: 1 })
            : build(schema.additionalProperties, `${path}{}`, inList, context),
          { maxKeys: 3 },
        );
  return fc.tuple(known, extras).map(([fieldsValue, extra]) => ({ ...extra, ...fieldsValue }));
}

/** Names an API could add; never one of the object's own fields, never "__proto__". */
const extraKey = fc.stringMatching(/^[a-z][A-Za-z0-9_]{0,15}$/);

function stringOf(schema: StringSchema): fc.Arbitrary<string> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const maxLength = schema.maxLength;
  if (schema.pattern) {
    const matching = fc.stringMatching(new RegExp(schema.pattern));
    return maxLength === undefined ? matching : matching.filter((text) => text.length <= maxLength);
  }
  const formatted = schema.format ? FORMATS[schema.format] : undefined;
  if (formatted) return formatted;
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength }) },
  );
}

const INT32 = 2 ** 31;

function numberOf(schema: NumberSchema): fc.Arbitrary<number> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const min = schema.minimum ?? (schema.format === 'int32' ? -INT32 : Number.MIN_SAFE_INTEGER);
  const max = schema.maximum ?? (schema.format === 'int32' ? INT32 - 1 : Number.MAX_SAFE_INTEGER);
  if (schema.type === 'integer') {
    return fc.oneof(
      fc.integer({ min: Math.max(min, -1000), max: Math.min(max, 1000) }),
      fc.integer({ min: Math.ceil(min), max: Math.floor(max) }),
    );
  }
  const inRange = (n: number) => n >= (schema.minimum ?? -Infinity) && n <= (schema.maximum ?? Infinity);
  return fc
    .oneof(
      { weight: 4, arbitrary: decimalNumber() },
      // Any finite double, e.g. 5e-324 or 1.7976931348623157e+308: JSON allows them all.
      { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    )
    .filter(inRange);
}

/** A decimal with up to 6 fraction digits, from 0.000001 to 10^15: what amounts and quantities look like. */
function decimalNumber(): fc.Arbitrary<number> {
  return fc
    .tuple(
      fc.oneof(
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: -(10 ** 9), max: 10 ** 9 }),
        fc.maxSafeInteger(),
      ),
      fc.integer({ min: 0, max: 6 }),
    )
    .map(([digits, scale]) => Number(`${digits}e-${scale}`));
}

/** Exact decimal text ("-12.5", "12345678901234.567891", "0"), for figures the API sends as strings. */
export function decimalText(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.boolean(), fc.stringMatching(/^(0|[1-9]\d{0,19})$/), fc.stringMatching(/^\d{0,6}$/))
    .map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`);
}

const EARLIEST = new Date('1990-01-01T00:00:00Z');
const LATEST = new Date('2099-12-31T23:59:59Z');

/**
 * An RFC 3339 date-time with a zone (Z or ±hh:mm, in 15-minute steps) and 0, 3 or 6 fraction
 * digits, for an instant in [min, max].
 */
export function dateTimeText(range: { min?: Date; max?: Date } = {}): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.date({ min: range.min ?? EARLIEST, max: range.max ?? LATEST, noInvalidDate: true }),
      fc.option(
        fc.integer({ min: -48, max: 56 }).map((quarters) => quarters * 15),
        { nil: undefined },
      ),
      fc.constantFrom('', '.SSS', '.SSS000'),
    )
    .map(([instant, offsetMinutes, fraction]) => {
      const local = new Date(instant.getTime() + (offsetMinutes ?? 0) * 60_000).toISOString();
      const digits = fraction.replace('SSS', local.slice(20, 23));
      return `${local.slice(0, 19)}${digits}${offsetMinutes === undefined ? 'Z' : offsetText(offsetMinutes)}`;
    });
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Wall-clock digits of an instant (in UTC), e.g. "20261123091500", sliced to the format's length. */
const compact = (length: number) =>
  fc
    .date({ min: EARLIEST, max: LATEST, noInvalidDate: true })
    .map((d) => d.toISOString().replace(/[-:T]/g, '').slice(0, length));

const FORMATS: Record<string, fc.Arbitrary<string>> = {
  'date-time': dateTimeText(),
  date: fc.date({ min: EARLIEST, max: LATEST, noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  uuid: fc.uuid(),
  int64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  int32: fc.integer().map(String),
  uri: fc.webUrl(),
  email: fc.emailAddress(),
  // Soracom's own formats.
  yyyyMM: compact(6),
  yyyyMMdd: compact(8),
  yyyyMMddHHmmss: compact(14),
};

/**
 * Bodies from `bodies` with one figure field taken away: absent, or null as a Java server would send
 * it, in one element when the path goes through lists. `missing` says which, e.g. "data[2].quantity".
 * Bodies without the field are drawn again, so `bodies` must often have it (require it and its lists).
 */
export function withFieldMissing(
  bodies: fc.Arbitrary<unknown>,
  paths: string[],
): fc.Arbitrary<{ body: unknown; missing: string }> {
  return fc
    .tuple(bodies, fc.constantFrom(...paths), fc.nat(), fc.boolean())
    .map(([generated, path, pick, asNull]) => {
      const body = structuredClone(generated);
      const holders = holdersOf(body, path);
      if (holders.length === 0) return undefined;
      const { holder, where } = holders[pick % holders.length]!;
      const field = path.slice(path.lastIndexOf('.') + 1);
      if (asNull) holder[field] = null;
      else delete holder[field];
      return { body, missing: `${where}${where ? '.' : ''}${field}${asNull ? ' (null)' : ' (absent)'}` };
    })
    .filter((value) => value !== undefined);
}

/** The objects that hold the last field of `path`, with where each one is ("data[2]"). */
function holdersOf(body: unknown, path: string): { holder: Record<string, unknown>; where: string }[] {
  const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
  let level: { value: unknown; where: string }[] = [{ value: body, where: '' }];
  for (const step of parent.split(/(?=\[\])|\./).filter(Boolean)) {
    level = level.flatMap(({ value, where }) => {
      if (step === '[]')
        return Array.isArray(value) ? value.map((v, i) => ({ value: v, where: `${where}[${i}]` })) : [];
      const record = value as Record<string, unknown> | null;
      return record && typeof record === 'object' && step in record
        ? [{ value: record[step], where: where ? `${where}.${step}` : step }]
        : [];
    });
  }
  return level.flatMap(({ value, where }) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? [{ holder: value as Record<string, unknown>, where }]
      : [],
  );
}
