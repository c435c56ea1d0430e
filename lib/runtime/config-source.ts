/**
 * Where the Lambdas read their config: the JSON that `spendwatch validate --out` writes from the YAML,
 * in the bundle (a path next to the handler; `npm run package` writes it) or in S3 (s3://bucket/key),
 * read again on every invocation so a change in S3 applies at the next run.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Uri } from '../aws/environment.ts';
import type { Config } from '../config/config.ts';
import { parseConfigJson } from '../config/json.ts';

export async function loadRuntimeConfig(location: string, s3: S3Client): Promise<Config> {
  const object = parseS3Uri(location);
  if (!object) return parseConfigJson(await readFile(resolve(location), 'utf8'), location);
  const reply = await s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
  return parseConfigJson(await reply.Body!.transformToString('utf8'), location);
}
