/**
 * An independent check that a value is one the schema allows, written without looking at how the
 * arbitrary builds values, so the kit's own tests can hold one against the other.
 */
import type { Schema } from './schema.ts';

/** What is wrong with `value` under `schema`, one line per problem; empty when it conforms. */
export function schemaProblems(schema: Schema, value: unknown, path = '(body)'): string[] {
  if (value === null)
    return schema.nullable || schema.type === 'null' || schema.type === 'any' ? [] : [`${path}: null`];
  const problem = (what: string) => [`${path}: ${what}, got ${JSON.stringify(value)?.slice(0, 80)}`];
  switch (schema.type) {
    case 'any':
      return [];
    case 'never':
      return problem(`no value fits (${schema.title ?? 'a definition'} is cut here)`);
    case 'null':
      return problem('expected null');
    case 'union':
      return schema.anyOf.some((member) => schemaProblems(member, value, path).length === 0)
        ? []
        : problem(`matches none of ${schema.anyOf.length} alternatives`);
    case 'boolean':
      if (typeof value !== 'boolean') return problem('expected a boolean');
      return schema.enum && !schema.enum.includes(value) ? problem(`expected one of ${schema.enum}`) : [];
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return problem('expected a finite number');
      if (schema.type === 'integer' && !Number.isInteger(value)) return problem('expected an integer');
      if (schema.format === 'int32' && (value < -(2 ** 31) || value >= 2 ** 31))
        return problem('expected an int32');
      if (schema.enum && !schema.enum.includes(value)) return problem(`expected one of ${schema.enum}`);
      if (schema.minimum !== undefined && value < schema.minimum)
        return problem(`expected >= ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum)
        return problem(`expected <= ${schema.maximum}`);
      return [];
    }
    case 'string': {
      if (typeof value !== 'string') return problem('expected a string');
      if (schema.enum && !schema.enum.includes(value))
        return problem(`expected one of ${schema.enum.join(', ')}`);
      if (schema.pattern && !new RegExp(schema.pattern).test(value))
        return problem(`expected /${schema.pattern}/`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) return problem('too long');
      const format = schema.format ? FORMAT_CHECKS[schema.format] : undefined;
      return format && !format(value) ? problem(`expected format ${schema.format}`) : [];
    }
    case 'array':
      if (!Array.isArray(value)) return problem('expected an array');
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        return problem(`expected at most ${schema.maxItems} items`);
      return value.flatMap((item, i) => schemaProblems(schema.items, item, `${path}[${i}]`));
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return problem('expected an object');
      const record = value as Record<string, unknown>;
      const missing = schema.required
        .filter((name) => !(name in record))
        .map((name) => `${path}.${name}: missing`);
      const fields = Object.entries(record).flatMap(([name, field]) => {
        const property = Object.hasOwn(schema.properties, name) ? schema.properties[name] : undefined;
        if (property) return schemaProblems(property, field, `${path}.${name}`);
        if (schema.additionalProperties === false) return [`${path}.${name}: not allowed`];
        return schema.additionalProperties === true
          ? []
          : schemaProblems(schema.additionalProperties, field, `${path}.${name}`);
      });
      return [...missing, ...fields];
    }
  }
}

/** A calendar date-time in these digits exists (no 2026-02-30, no 25:00). */
function realInstant(year: string, month: string, day: string, time = '000000'): boolean {
  const [h, m, s] = [time.slice(0, 2), time.slice(2, 4), time.slice(4, 6)].map(Number);
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), h, m, s));
  return (
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day) &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === m &&
    date.getUTCSeconds() === s
  );
}

const FORMAT_CHECKS: Record<string, (text: string) => boolean> = {
  // RFC 3339: a zone is part of the format.
  'date-time': (text) => {
    const parts = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/.exec(
      text,
    );
    return (
      !!parts &&
      realInstant(parts[1]!, parts[2]!, parts[3]!, parts[4]! + parts[5]! + parts[6]!) &&
      (parts[8] === 'Z' || (Number(parts[9]) <= 23 && Number(parts[10]) <= 59))
    );
  },
  date: (text) => {
    const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    return !!parts && realInstant(parts[1]!, parts[2]!, parts[3]!);
  },
  uuid: (text) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text),
  int64: (text) => /^-?\d+$/.test(text) && BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 63n,
  int32: (text) => /^-?\d+$/.test(text) && Number(text) >= -(2 ** 31) && Number(text) < 2 ** 31,
  uri: (text) => URL.canParse(text),
  email: (text) => /^[^@\s]+@[^@\s]+$/.test(text),
  yyyyMM: (text) => /^\d{6}$/.test(text) && realInstant(text.slice(0, 4), text.slice(4, 6), '01'),
  yyyyMMdd: (text) =>
    /^\d{8}$/.test(text) && realInstant(text.slice(0, 4), text.slice(4, 6), text.slice(6, 8)),
  yyyyMMddHHmmss: (text) =>
    /^\d{14}$/.test(text) && realInstant(text.slice(0, 4), text.slice(4, 6), text.slice(6, 8), text.slice(8)),
};
