/**
 * Cloudflare publishes its billing API as the TypeScript SDK's declarations (cloudflare@7.3.0,
 * resources/billing). The .d.ts files are read with the TypeScript compiler API into the kit's schema
 * form; the SDK's .js files tell which method calls which path and that it unwraps `result` from the
 * envelope Cloudflare puts every reply in.
 */
import ts from 'typescript';
import { officialText } from './files.ts';
import { enterDefinition, never, type ObjectSchema, type Schema } from './schema.ts';

/** Each SDK resource: its implementation (paths) and its declarations (types). */
const RESOURCES = [
  { js: 'cloudflare/billing/usage.js', dts: 'cloudflare/billing/usage.d.ts' },
  { js: 'cloudflare/billing/profiles.js', dts: 'cloudflare/billing/profiles/profiles.d.ts' },
];

/** The `result` of `method path` (path as the SDK writes it: /accounts/{account_id}/billable-usage). */
export function cloudflareResult(method: string, path: string): Schema {
  const served = RESOURCES.flatMap((resource) =>
    sdkCalls(resource.js)
      .filter((call) => call.method === method && call.path === path)
      .map((call) => ({ ...call, resource })),
  );
  if (served.length === 0) throw new Error(`no Cloudflare SDK method calls ${method} ${path}`);
  // Deprecated aliases call the same path; the current method's declaration is the contract.
  const current = served.filter((call) => !declarations(call.resource.dts).deprecated.has(call.name));
  if (current.length !== 1)
    throw new Error(`${method} ${path}: expected one current SDK method, got ${current.length}`);
  const call = current[0]!;
  if (!call.unwrapsResult) throw new Error(`${call.name} does not unwrap an envelope's result`);
  const returned = declarations(call.resource.dts).returns.get(call.name);
  if (!returned) throw new Error(`${call.resource.dts} declares no method ${call.name}`);
  return typeSchema(returned, declarations(call.resource.dts), '', []);
}

/** The envelope around every result (the SDK's `_thenUnwrap((obj) => obj.result)`), as a success sends it. */
export function cloudflareEnvelope(result: Schema): ObjectSchema {
  const none: Schema = { type: 'array', items: { type: 'any' }, maxItems: 0 };
  return {
    type: 'object',
    properties: { success: { type: 'boolean', enum: [true] }, errors: none, messages: none, result },
    required: ['success', 'errors', 'messages', 'result'],
    additionalProperties: true,
  };
}

interface SdkCall {
  name: string;
  method: string;
  path: string;
  unwrapsResult: boolean;
}

/** Each method of an SDK .js file with the request it makes: this._client.get(path`/accounts/${account_id}/...`). */
function sdkCalls(file: string): SdkCall[] {
  const source = ts.createSourceFile(
    file,
    officialText(file),
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.JS,
  );
  const calls: SdkCall[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isMethodDeclaration(node) && node.body && ts.isIdentifier(node.name)) {
      const request = findRequest(node.body);
      if (request)
        calls.push({
          name: node.name.text,
          ...request,
          unwrapsResult: node.body.getText().includes('_thenUnwrap((obj) => obj.result)'),
        });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return calls;
}

function findRequest(body: ts.Node): { method: string; path: string } | undefined {
  let found: { method: string; path: string } | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.expression.getText() === 'this._client'
    ) {
      const template = node.arguments[0];
      if (template && ts.isTaggedTemplateExpression(template)) {
        found = { method: node.expression.name.text.toUpperCase(), path: pathTemplate(template.template) };
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

/** `/accounts/${account_id}/billing/profile` -> /accounts/{account_id}/billing/profile */
function pathTemplate(template: ts.TemplateLiteral): string {
  if (ts.isNoSubstitutionTemplateLiteral(template)) return template.text;
  return (
    template.head.text +
    template.templateSpans.map((span) => `{${span.expression.getText()}}${span.literal.text}`).join('')
  );
}

interface Declarations {
  /** Interfaces and type aliases by qualified name: "UsageGetAccountUsageV1Response.UsageGetAccountUsageV1ResponseItem". */
  types: Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>;
  /** Declared class method -> its APIPromise<T>'s T. */
  returns: Map<string, ts.TypeNode>;
  deprecated: Set<string>;
}

const parsed = new Map<string, Declarations>();

function declarations(file: string): Declarations {
  const cached = parsed.get(file);
  if (cached) return cached;
  const source = ts.createSourceFile(
    file,
    officialText(file),
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.TS,
  );
  const found: Declarations = { types: new Map(), returns: new Map(), deprecated: new Set() };
  const collect = (statements: ts.NodeArray<ts.Statement>, namespace: string): void => {
    for (const statement of statements) {
      if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
        found.types.set(namespace + statement.name.text, statement);
      } else if (ts.isModuleDeclaration(statement) && statement.body && ts.isModuleBlock(statement.body)) {
        collect(statement.body.statements, `${namespace}${statement.name.getText()}.`);
      } else if (ts.isClassDeclaration(statement)) {
        for (const member of statement.members) {
          if (!ts.isMethodDeclaration(member) || !ts.isIdentifier(member.name) || !member.type) continue;
          const promised = ts.isTypeReferenceNode(member.type) ? member.type.typeArguments?.[0] : undefined;
          if (promised) found.returns.set(member.name.text, promised);
          if (ts.getJSDocDeprecatedTag(member)) found.deprecated.add(member.name.text);
        }
      }
    }
  };
  collect(source.statements, '');
  parsed.set(file, found);
  return found;
}

/** A declared type in the kit's form; `namespace` is where the reference is written ("Usage."), for lookups. */
function typeSchema(
  node: ts.TypeNode,
  decls: Declarations,
  namespace: string,
  stack: readonly string[],
): Schema {
  if (ts.isParenthesizedTypeNode(node)) return typeSchema(node.type, decls, namespace, stack);
  if (ts.isArrayTypeNode(node))
    return { type: 'array', items: typeSchema(node.elementType, decls, namespace, stack) };
  if (ts.isTypeLiteralNode(node)) return membersSchema(node.members, decls, namespace, stack);
  if (ts.isUnionTypeNode(node))
    return unionSchema(node.types.map((t) => typeSchema(t, decls, namespace, stack)));
  if (ts.isLiteralTypeNode(node)) return literalSchema(node.literal);
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText();
    const argument = node.typeArguments?.[0];
    if (name === 'Array' && argument)
      return { type: 'array', items: typeSchema(argument, decls, namespace, stack) };
    return referenced(name, decls, namespace, stack);
  }
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { type: 'string' };
    case ts.SyntaxKind.NumberKeyword:
      return { type: 'number' };
    case ts.SyntaxKind.BooleanKeyword:
      return { type: 'boolean' };
    case ts.SyntaxKind.UnknownKeyword:
    case ts.SyntaxKind.AnyKeyword:
      return { type: 'any' };
  }
  throw new Error(`unsupported type ${node.getText()}`);
}

/** A name as TypeScript looks it up: in the namespace it is written in, then in each one around it. */
function referenced(name: string, decls: Declarations, namespace: string, stack: readonly string[]): Schema {
  const qualified = enclosingScopes(namespace)
    .map((scope) => scope + name)
    .find((candidate) => decls.types.has(candidate));
  if (!qualified) throw new Error(`no declaration of ${name}`);
  const declaration = decls.types.get(qualified)!;
  const inner = enterDefinition(qualified, stack);
  if (!inner) return never(qualified);
  const scope = qualified.slice(0, qualified.lastIndexOf('.') + 1);
  const schema = ts.isInterfaceDeclaration(declaration)
    ? interfaceSchema(declaration, decls, scope, inner)
    : typeSchema(declaration.type, decls, scope, inner);
  return { ...schema, title: qualified };
}

function interfaceSchema(
  declaration: ts.InterfaceDeclaration,
  decls: Declarations,
  scope: string,
  stack: readonly string[],
): Schema {
  if (declaration.heritageClauses)
    throw new Error(`${declaration.name.text} extends another interface: not supported`);
  return membersSchema(declaration.members, decls, scope, stack);
}

/** "A.B." -> ["A.B.", "A.", ""]: where a name written in A.B is looked for, innermost first. */
function enclosingScopes(namespace: string): string[] {
  const parts = namespace.split('.').filter(Boolean);
  return parts.map((_, i) => `${parts.slice(0, parts.length - i).join('.')}.`).concat('');
}

function membersSchema(
  members: ts.NodeArray<ts.TypeElement>,
  decls: Declarations,
  namespace: string,
  stack: readonly string[],
): ObjectSchema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  // TypeScript types are open: an object may carry members its type does not name, as real replies do.
  let additionalProperties: boolean | Schema = true;
  for (const member of members) {
    if (ts.isPropertySignature(member) && member.type) {
      const name = member.name.getText().replace(/^['"]|['"]$/g, '');
      properties[name] = typeSchema(member.type, decls, namespace, stack);
      if (!member.questionToken) required.push(name);
    } else if (ts.isIndexSignatureDeclaration(member)) {
      additionalProperties = typeSchema(member.type, decls, namespace, stack);
    } else {
      throw new Error(`unsupported member ${member.getText()}`);
    }
  }
  return { type: 'object', properties, required, additionalProperties };
}

function literalSchema(literal: ts.LiteralTypeNode['literal']): Schema {
  switch (literal.kind) {
    case ts.SyntaxKind.NullKeyword:
      return { type: 'null' };
    case ts.SyntaxKind.TrueKeyword:
      return { type: 'boolean', enum: [true] };
    case ts.SyntaxKind.FalseKeyword:
      return { type: 'boolean', enum: [false] };
    case ts.SyntaxKind.StringLiteral:
      return { type: 'string', enum: [literal.text] };
    case ts.SyntaxKind.NumericLiteral:
      return { type: 'number', enum: [Number(literal.text)] };
  }
  throw new Error(`unsupported literal ${literal.getText()}`);
}

/** `X | null` is a nullable X; a union of string literals an enum; anything else a union. */
function unionSchema(members: Schema[]): Schema {
  const nullable = members.some((m) => m.type === 'null');
  const rest = members.filter((m) => m.type !== 'null');
  const nullability = nullable ? { nullable: true } : {};
  if (rest.length === 0) return { type: 'null' };
  if (rest.every((m) => m.type === 'string' && m.enum)) {
    return {
      type: 'string',
      enum: rest.flatMap((m) => (m.type === 'string' ? (m.enum ?? []) : [])),
      ...nullability,
    };
  }
  if (rest.length === 1) return { ...rest[0]!, ...nullability };
  return { type: 'union', anyOf: rest, ...nullability };
}
