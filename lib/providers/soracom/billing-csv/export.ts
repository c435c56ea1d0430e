/**
 * Pulls a Soracom Detailed Billing CSV into S3: ask for an asynchronous export, wait for it, and
 * stream the file from the presigned URL into the bucket with a multipart upload (constant memory,
 * whatever the fleet's size). The URL is a secret: it is registered with the redactor by the client
 * and never logged here.
 */
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Logger } from '../../../log/index.ts';
import type { Clock } from '../../../time/clock.ts';
import { monthlyPeriod, yyyymm } from '../../../time/period.ts';
import type { SoracomAccount, SoracomExports } from '../index.ts';
import { exportKey } from './keys.ts';

const PART_BYTES = 8 * 1024 * 1024;

export interface ExportToS3Options {
  account: SoracomAccount;
  exports: SoracomExports;
  s3: S3Client;
  bucket: string;
  /** Key prefix inside the bucket ("spendwatch/"), ending in "/" or empty. */
  prefix: string;
  clock: Clock;
  logger: Logger;
  /** The bill's currency (from /bills/latest): stored as object metadata, since the CSV does not say. */
  currency: string;
  /** 'latest' (the month in progress, preliminary) or a closed month "yyyyMM". */
  month?: 'latest' | string;
  wait?: { pollIntervalMs?: number; timeoutMs?: number };
}

export interface ExportedObject {
  key: string;
  month: string;
  operatorId: string;
  bytes: number;
}

export async function exportBillingCsvToS3(options: ExportToS3Options): Promise<ExportedObject> {
  const { account, exports, clock, logger } = options;
  const now = clock.now();
  const month =
    options.month && options.month !== 'latest'
      ? options.month
      : yyyymm(monthlyPeriod(now, account.timeZone));
  const operatorId = await exports.operatorId();
  const job = await exports.requestExport(options.month ?? 'latest', 'async');
  const { url } = await exports.waitForExport(job.exportedFileId, options.wait);
  const key = exportKey(options.prefix, account.id, month, operatorId, now);
  let bytes = 0;
  // Counted on the way through (a 'data' listener would switch the stream to flowing and race the upload).
  const body = Readable.fromWeb((await exports.downloadExport(url)) as WebReadableStream<Uint8Array>).pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
    }),
  );
  await new Upload({
    client: options.s3,
    params: {
      Bucket: options.bucket,
      Key: key,
      Body: body,
      ContentType: 'text/csv; charset=utf-8',
      Metadata: { currency: options.currency },
    },
    partSize: PART_BYTES,
    queueSize: 2,
  }).done();
  logger.info('soracom billing export stored', { account: account.id, operatorId, month, key, bytes });
  return { key, month, operatorId, bytes };
}
