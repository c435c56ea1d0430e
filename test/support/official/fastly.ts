/**
 * Fastly publishes no OpenAPI file; its SDKs are generated from one. fastly-js's model docs
 * (docs/<Model>.md: a table of `**field** | **Type** | description | [optional]`) are read into the
 * kit's schema form, its API docs (docs/*Api.md) tell which model each endpoint returns, and its
 * generated models (model/<Model>.js) are kept to check the docs against.
 */
import { officialFiles, officialText } from './files.ts';
import { enterDefinition, never, type Schema } from './schema.ts';

/** A model doc's field table row: name, type cell, description, notes. */
const FIELD_ROW = /^\*\*(\w+)\*\* \| (.+?) \| (.*) \| (.*)$/;

/** The model a Fastly model doc describes, with the models it refers to resolved. */
export function fastlyModel(name: string): Schema {
  return model(name, []);
}

function model(name: string, stack: readonly string[]): Schema {
  const inner = enterDefinition(name, stack);
  if (!inner) return never(name);
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [field, type, notes] of modelDocFields(name)) {
    properties[field] = typeSchema(type, inner);
    if (!notes.includes('[optional]')) required.push(field);
  }
  // The generated models copy the fields they know and keep no others: unknown fields are harmless.
  return { type: 'object', title: name, properties, required, additionalProperties: true };
}

/** [field, type ("String", "[Invoicelineitems]", "{String: X}"), notes] of a model doc. */
function modelDocFields(name: string): [string, string, string][] {
  const rows: [string, string, string][] = [];
  for (const line of officialText(`fastly/docs/${name}.md`).split('\n')) {
    const row = FIELD_ROW.exec(line.trim());
    if (!row) continue;
    const type = /\*\*(.+?)\*\*/.exec(row[2]!)?.[1];
    if (!type) throw new Error(`fastly/docs/${name}.md: no type in "${line}"`);
    rows.push([row[1]!, type, row[4]!]);
  }
  if (rows.length === 0) throw new Error(`fastly/docs/${name}.md has no field table`);
  return rows;
}

/** A type as the model docs and generated models write it. */
function typeSchema(type: string, stack: readonly string[]): Schema {
  const list = /^\[(.+)\]$/.exec(type);
  if (list) return { type: 'array', items: typeSchema(list[1]!, stack) };
  const map = /^\{String: (.+)\}$/.exec(type);
  if (map)
    return { type: 'object', properties: {}, required: [], additionalProperties: typeSchema(map[1]!, stack) };
  switch (type) {
    case 'String':
      return { type: 'string' };
    case 'Number':
      return { type: 'number' };
    case 'Boolean':
      return { type: 'boolean' };
    // The SDK turns it into a JS Date; the docs describe it as "Date and time ... in ISO 8601 format".
    case 'Date':
      return { type: 'string', format: 'date-time' };
    case 'Object':
      return { type: 'any' };
    default:
      return model(type, stack);
  }
}

/** The model `method path` returns, per the "Return type" of its section in the API docs. */
export function fastlyResponseModel(method: string, path: string): string {
  for (const file of officialFiles('fastly/docs').filter((f) => f.endsWith('Api.md'))) {
    const text = officialText(`fastly/docs/${file}`);
    for (const row of text.matchAll(/^\[\*\*(\w+)\*\*\]\([^)]*\) \| \*\*(\w+)\*\* (\S+) \|/gm)) {
      if (row[2] !== method || row[3] !== path) continue;
      const section = text.slice(text.indexOf(`## \`${row[1]}\``));
      const returned = /### Return type\s+\[\*\*(\w+)\*\*\]/.exec(section);
      if (!returned) throw new Error(`fastly/docs/${file}: ${row[1]} names no return type`);
      return returned[1]!;
    }
  }
  throw new Error(`no Fastly API doc lists ${method} ${path}`);
}

/** Models with both a doc and a generated model/<Model>.js. */
export function fastlyGeneratedModels(): string[] {
  const docs = new Set(officialFiles('fastly/docs').map((f) => f.replace(/\.md$/, '')));
  return officialFiles('fastly/model')
    .map((f) => f.replace(/\.js$/, ''))
    .filter((name) => docs.has(name) && !name.endsWith('Api'));
}

/** Field -> type of a model, from its doc and from its generated constructFromObject, to compare. */
export function fastlyFieldTypes(name: string): {
  doc: Record<string, string>;
  generated: Record<string, string>;
} {
  const doc = Object.fromEntries(modelDocFields(name).map(([field, type]) => [field, type]));
  const source = officialText(`fastly/model/${name}.js`);
  const generated: Record<string, string> = {};
  for (const [, field, type] of source.matchAll(/convertToType\(data\['(\w+)'\], '?([^')]+?)'?\)/g))
    generated[field!] = type!;
  for (const [, type, field] of source.matchAll(/(\w+)\.constructFromObject\(data\['(\w+)'\]\)/g))
    generated[field!] = type!;
  return { doc, generated };
}
