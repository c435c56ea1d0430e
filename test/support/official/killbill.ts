/** Kill Bill's Swagger 2 document (killbill-client-js's kbswagger.yaml), read at test time. */
import { parse } from 'yaml';
import { officialText } from './files.ts';
import { type OpenApiReader, openApiReader } from './openapi.ts';
import type { Schema } from './schema.ts';

let reader: OpenApiReader | undefined;

/** The 200 body of a Kill Bill operation, e.g. GET /1.0/kb/usages/{subscriptionId}. */
export function killbillResponse(method: string, path: string): Schema {
  reader ??= openApiReader(parse(officialText('killbill/kbswagger.yaml')));
  return reader.response(method, path);
}
