/**
 * Where the Lambdas read their config: a file in the bundle (a path next to the handler) or an S3
 * object (s3://bucket/key), read again on every invocation so a change in S3 applies at the next run.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type Config, parseConfig } from '../config/load.ts';
import { parseS3Uri } from './environment.ts';

export async function loadRuntimeConfig(location: string, s3: S3Client): Promise<Config> {
  const object = parseS3Uri(location);
  if (!object) return parseConfig(await readFile(resolve(location), 'utf8'), location);
  const reply = await s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
  return parseConfig(await reply.Body!.transformToString('utf8'), location);
}
