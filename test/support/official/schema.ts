/**
 * The one form every official definition is read into, whatever it was written in (OpenAPI 3,
 * Swagger 2, SDK model docs, TypeScript declarations): a small subset of JSON Schema with every $ref
 * already resolved, so the arbitrary and the validator walk plain trees. `title` keeps the name a
 * resolved reference had, for messages.
 */
export type Schema =
  | ObjectSchema
  | ArraySchema
  | StringSchema
  | NumberSchema
  | BooleanSchema
  | NullSchema
  | AnySchema
  | UnionSchema
  | NeverSchema;

interface Common {
  /** null is allowed besides the type (OpenAPI `nullable: true`, TypeScript `| null`). */
  nullable?: boolean;
  title?: string;
}

export interface ObjectSchema extends Common {
  type: 'object';
  properties: Record<string, Schema>;
  required: string[];
  /** true: any other property may appear (the default in OpenAPI, and what real APIs do); a schema: a map. */
  additionalProperties: boolean | Schema;
}

interface ArraySchema extends Common {
  type: 'array';
  items: Schema;
  maxItems?: number;
}

export interface StringSchema extends Common {
  type: 'string';
  /** date-time, date, uuid, int64, uri, email, and Soracom's yyyyMM, yyyyMMdd, yyyyMMddHHmmss. */
  format?: string;
  enum?: string[];
  pattern?: string;
  maxLength?: number;
}

export interface NumberSchema extends Common {
  type: 'number' | 'integer';
  /** int32, int64, double, float. */
  format?: string;
  enum?: number[];
  minimum?: number;
  maximum?: number;
}

interface BooleanSchema extends Common {
  type: 'boolean';
  enum?: boolean[];
}

interface NullSchema extends Common {
  type: 'null';
}

/** No type given: any JSON value. */
interface AnySchema extends Common {
  type: 'any';
}

/** oneOf/anyOf, or a TypeScript union of different types (`string | true`). */
interface UnionSchema extends Common {
  type: 'union';
  anyOf: Schema[];
}

/**
 * Where a definition that contains itself is cut (kbswagger's InvoiceItem, whose `childItems` are
 * InvoiceItems): no value. Lists of it are empty, fields of it absent, so every body
 * generated is one the definition allows, with nesting down to MAX_SELF_NESTING levels.
 */
interface NeverSchema extends Common {
  type: 'never';
}

/** How many times a definition may appear inside itself before it is cut. */
const MAX_SELF_NESTING = 1;

/**
 * The path of definitions being resolved, one deeper; undefined where a definition is nested inside
 * itself deeper than MAX_SELF_NESTING, to be read as a NeverSchema.
 */
export function enterDefinition(name: string, stack: readonly string[]): string[] | undefined {
  if (stack.filter((entered) => entered === name).length > MAX_SELF_NESTING) return undefined;
  return [...stack, name];
}

export function never(title: string): Schema {
  return { type: 'never', title };
}
