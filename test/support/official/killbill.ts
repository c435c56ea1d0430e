/** Kill Bill's Swagger 2 document (killbill-client-js's kbswagger.yaml), read at test time. */
import { parse } from 'yaml';
import { officialText } from './files.ts';
import { type OpenApiReader, openApiReader } from './openapi.ts';
import type { Schema } from './schema.ts';

let reader: OpenApiReader | undefined;

/** The body of a Kill Bill operation (its 200 unless `status` names another), e.g. GET /1.0/kb/usages/{subscriptionId}. */
export function killbillResponse(method: string, path: string, status?: string): Schema {
  return document().response(method, path, status);
}

/** The JSON body a Kill Bill operation takes. */
export function killbillRequest(method: string, path: string): Schema {
  return document().request(method, path);
}

function document(): OpenApiReader {
  reader ??= openApiReader(parse(officialText('killbill/kbswagger.yaml')));
  return reader;
}
