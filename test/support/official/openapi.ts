/**
 * OpenAPI 3 (`components.schemas`, `nullable`) and Swagger 2 (`definitions`, no way to say nullable)
 * documents into the kit's schema form, and the 200 body each operation declares.
 */
import { enterDefinition, never, type Schema } from './schema.ts';

type Node = Record<string, unknown>;

interface Document {
  openapi?: string;
  swagger?: string;
  paths: Record<string, Record<string, Node>>;
  components?: { schemas?: Record<string, Node> };
  definitions?: Record<string, Node>;
}

export interface OpenApiReader {
  /** The body `method path` answers with `status`, as the document declares it. */
  response(method: string, path: string, status?: string): Schema;
  /** The JSON body `method path` takes, as the document declares it. */
  request(method: string, path: string): Schema;
}

export function openApiReader(document: unknown): OpenApiReader {
  const doc = document as Document;
  const swagger2 = doc.swagger?.startsWith('2.') ?? false;
  const refPrefix = swagger2 ? '#/definitions/' : '#/components/schemas/';
  const definitions = (swagger2 ? doc.definitions : doc.components?.schemas) ?? {};

  function definition(ref: string, stack: readonly string[]): Schema {
    if (!ref.startsWith(refPrefix)) throw new Error(`unsupported $ref ${ref}`);
    const name = ref.slice(refPrefix.length);
    const node = definitions[name];
    if (!node) throw new Error(`$ref ${ref} names no definition`);
    const inner = enterDefinition(name, stack);
    return inner ? { ...convert(node, inner), title: name } : never(name);
  }

  function convert(node: Node, stack: readonly string[]): Schema {
    if (typeof node.$ref === 'string') return definition(node.$ref, stack);
    const nullable = { nullable: node.nullable === true || undefined };
    const allOf = node.allOf as Node[] | undefined;
    if (allOf) return { ...merged(allOf.map((part) => convert(part, stack))), ...nullable };
    const anyOf = (node.oneOf ?? node.anyOf) as Node[] | undefined;
    if (anyOf) return { type: 'union', anyOf: anyOf.map((part) => convert(part, stack)), ...nullable };
    const type = node.type ?? (node.properties || node.additionalProperties ? 'object' : undefined);
    switch (type) {
      case 'object': {
        const properties = (node.properties ?? {}) as Record<string, Node>;
        const extra = node.additionalProperties;
        return {
          type: 'object',
          properties: Object.fromEntries(
            Object.entries(properties).map(([name, property]) => [name, convert(property, stack)]),
          ),
          required: (node.required as string[] | undefined) ?? [],
          // Both versions allow any other property unless the document says otherwise.
          additionalProperties:
            extra === undefined || extra === true
              ? true
              : extra === false
                ? false
                : convert(extra as Node, stack),
          ...nullable,
        };
      }
      case 'array':
        return {
          type: 'array',
          items: node.items ? convert(node.items as Node, stack) : { type: 'any' },
          maxItems: node.maxItems as number | undefined,
          ...nullable,
        };
      case 'string':
        return {
          type: 'string',
          format: node.format as string | undefined,
          enum: node.enum as string[] | undefined,
          pattern: node.pattern as string | undefined,
          maxLength: node.maxLength as number | undefined,
          ...nullable,
        };
      case 'number':
      case 'integer':
        return {
          type: type as 'number' | 'integer',
          format: node.format as string | undefined,
          enum: node.enum as number[] | undefined,
          minimum: node.minimum as number | undefined,
          maximum: node.maximum as number | undefined,
          ...nullable,
        };
      case 'boolean':
        return { type: 'boolean', ...nullable };
      case undefined:
        return { type: 'any' };
      default:
        throw new Error(`unsupported schema type ${JSON.stringify(type)}`);
    }
  }

  function operationOf(method: string, path: string): Node {
    const operation = doc.paths[path]?.[method.toLowerCase()];
    if (!operation) throw new Error(`no operation ${method} ${path} in the document`);
    return operation;
  }

  return {
    request(method, path) {
      const operation = operationOf(method, path);
      const schema = swagger2
        ? (operation.parameters as Node[] | undefined)?.find((p) => p.in === 'body')?.schema
        : ((operation.requestBody as Node | undefined)?.content as Record<string, Node> | undefined)?.[
            'application/json'
          ]?.schema;
      if (!schema) throw new Error(`${method} ${path} declares no JSON request body`);
      return convert(schema as Node, []);
    },
    response(method, path, status = '200') {
      const operation = operationOf(method, path);
      const response = (operation.responses as Record<string, Node> | undefined)?.[status];
      const schema = swagger2
        ? response?.schema
        : (response?.content as Record<string, Node> | undefined)?.['application/json']?.schema;
      if (!schema) throw new Error(`${method} ${path} declares no JSON body for ${status}`);
      return convert(schema as Node, []);
    },
  };
}

/** allOf of object schemas: one object with all their properties (a lone part is taken as it is). */
function merged(parts: Schema[]): Schema {
  if (parts.length === 1) return parts[0]!;
  const objects = parts.map((part) => {
    if (part.type !== 'object') throw new Error('allOf of a non-object schema is not supported');
    return part;
  });
  return {
    type: 'object',
    properties: Object.assign({}, ...objects.map((part) => part.properties)),
    required: objects.flatMap((part) => part.required),
    additionalProperties: objects.every((part) => part.additionalProperties !== false),
  };
}
