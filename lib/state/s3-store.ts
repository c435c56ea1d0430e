/**
 * An ObjectStore in an S3 bucket, using S3's conditional writes: PutObject with If-None-Match: * to
 * create, with If-Match: <ETag> to replace. Works with AWS and with any S3 endpoint that honours those
 * headers (radosgw does; s3rver and fauxqs ignore them, see /work/shared/reference/tooling.md).
 */

import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { checkKey, checkPrefix, keyPrefix } from './keys.ts';
import type { ObjectStore, StoredObject } from './store.ts';

export interface S3ObjectStoreOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix inside the bucket, e.g. "spendwatch/prod" (a "/" is added when missing). */
  prefix?: string;
  /** Keys per ListObjectsV2 page: S3's maximum (1000) unless set (tests use small pages). */
  pageSize?: number;
}

/**
 * A conditional PutObject that lost: 412 PreconditionFailed (the object exists, or its ETag changed),
 * 409 ConditionalRequestConflict (a concurrent conditional write to the same key won) or NoSuchKey
 * (If-Match on an object that is not there). NoSuchBucket and the rest are real failures.
 */
function lostRace(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  const status = error.$metadata.httpStatusCode;
  return status === 412 || status === 409 || error.name === 'NoSuchKey';
}

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly pageSize: number | undefined;

  constructor(options: S3ObjectStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.pageSize = options.pageSize;
    this.prefix = keyPrefix(options.prefix);
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const output = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.s3Key(key) }),
      );
      return { body: (await output.Body?.transformToString('utf-8')) ?? '', version: output.ETag! };
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  createIfAbsent(key: string, body: string): Promise<boolean> {
    return this.conditionalPut(key, body, { IfNoneMatch: '*' });
  }

  async replaceIfVersion(key: string, body: string, version: string): Promise<boolean> {
    if (await this.conditionalPut(key, body, { IfMatch: version })) return true;
    // radosgw (and DigitalOcean Spaces) compare If-Match with the ETag stripped of its quotes and answer
    // 412 to the quoted form AWS expects. Asking again unquoted is still a compare-and-swap on the same
    // ETag: it fails too when the object really changed.
    const unquoted = version.replace(/^"(.*)"$/, '$1');
    return unquoted !== version && this.conditionalPut(key, body, { IfMatch: unquoted });
  }

  async put(key: string, body: string): Promise<void> {
    await this.client.send(new PutObjectCommand(this.putInput(key, body)));
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 whether or not the key existed.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.s3Key(key) }));
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${this.prefix}${checkPrefix(prefix)}`,
          ContinuationToken,
          MaxKeys: this.pageSize,
        }),
      );
      for (const object of page.Contents ?? []) keys.push(object.Key!.slice(this.prefix.length));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys.sort();
  }

  private async conditionalPut(
    key: string,
    body: string,
    condition: Pick<PutObjectCommandInput, 'IfMatch' | 'IfNoneMatch'>,
  ): Promise<boolean> {
    try {
      await this.client.send(new PutObjectCommand({ ...this.putInput(key, body), ...condition }));
      return true;
    } catch (error) {
      if (lostRace(error)) return false;
      throw error;
    }
  }

  private putInput(key: string, body: string): PutObjectCommandInput {
    return {
      Bucket: this.bucket,
      Key: this.s3Key(key),
      Body: body,
      // Some S3 implementations (radosgw) refuse a body without a length (411).
      ContentLength: Buffer.byteLength(body),
      ContentType: key.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8',
    };
  }

  private s3Key(key: string): string {
    return `${this.prefix}${checkKey(key)}`;
  }
}
