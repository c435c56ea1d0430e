/** Soracom's OpenAPI 3 document (soracom-cli's soracom-api.en.yaml), read at test time. */
import { parse } from 'yaml';
import { officialText } from './files.ts';
import { type OpenApiReader, openApiReader } from './openapi.ts';
import type { Schema } from './schema.ts';

let reader: OpenApiReader | undefined;

/** The 200 body of a Soracom operation; paths as in the document, without the /v1 of the base URL. */
export function soracomResponse(method: string, path: string): Schema {
  reader ??= openApiReader(parse(officialText('soracom/soracom-api.en.yaml')));
  return reader.response(method, path);
}
