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
import type { Logger } from '../log/index.ts';
import type { SoracomAccount, SoracomExports } from '../providers/soracom/index.ts';
import type { Clock } from '../time/clock.ts';
import { monthlyPeriod, yyyymm } from '../time/period.ts';

export const EXPORTS_PREFIX = 'exports/soracom/';
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

/** exports/soracom/{account}/{yyyyMM}/{operator}-{time}.csv: names the operator and the month. */
export function exportKey(
  prefix: string,
  accountId: string,
  month: string,
  operatorId: string,
  at: Date,
): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${prefix}${EXPORTS_PREFIX}${accountId}/${month}/${operatorId}-${stamp}.csv`;
}

/** What an export key names: the account, the month (yyyyMM), the operator and when the export was made. */
export interface ExportKeyParts {
  accountId: string;
  month: string;
  operatorId: string;
  exportedAt: Date;
}

/** The parts of an export key, or undefined for any other key (an S3 event for something else). */
export function parseExportKey(key: string, prefix: string): ExportKeyParts | undefined {
  const match = new RegExp(
    `^${escapeRegExp(prefix + EXPORTS_PREFIX)}([A-Za-z0-9._-]+)/(\\d{6})/([A-Za-z0-9]+)-(\\d{8}T\\d{6}Z)\\.csv$`,
  ).exec(key);
  if (!match) return undefined;
  const iso = match[4]!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6.000Z');
  const exportedAt = new Date(iso);
  // 20261131T... has the shape of a time but names no moment.
  if (Number.isNaN(exportedAt.getTime()) || exportedAt.toISOString() !== iso) return undefined;
  return { accountId: match[1]!, month: match[2]!, operatorId: match[3]!, exportedAt };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
