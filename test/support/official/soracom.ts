/** Soracom's OpenAPI 3 document (soracom-cli's soracom-api.en.yaml), read at test time. */
import { parse } from 'yaml';
import { officialText } from './files.ts';
import { type OpenApiReader, openApiReader } from './openapi.ts';
import type { Schema } from './schema.ts';

let reader: OpenApiReader | undefined;

/** The body of a Soracom operation (its 200 unless `status` names another); paths as in the document, without the /v1 of the base URL. */
export function soracomResponse(method: string, path: string, status?: string): Schema {
  return document().response(method, path, status);
}

/** The JSON body a Soracom operation takes. */
export function soracomRequest(method: string, path: string): Schema {
  return document().request(method, path);
}

function document(): OpenApiReader {
  reader ??= openApiReader(parse(officialText('soracom/soracom-api.en.yaml')));
  return reader;
}
