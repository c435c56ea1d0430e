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
  | UnionSchema;

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

/** The path of definitions being resolved, one deeper; a cycle (none of the schemas read here has one) is an error. */
export function enterDefinition(name: string, stack: readonly string[]): string[] {
  if (stack.includes(name)) throw new Error(`recursive definition: ${[...stack, name].join(' -> ')}`);
  return [...stack, name];
}
