/**
 * S3 ObjectCreated on an export → a compact summary next to it. The CSV is streamed from S3 through
 * the byte-level aggregator (constant memory) and the summary written as JSON; `latest.json` of the
 * account's month points at the newest export's figures, which the budget engine reads. Per-item
 * daily amounts (`itemDays`, for chargeback) are returned when asked, never stored.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../../../log/index.ts';
import { parseExportKey } from './keys.ts';
import { type SoracomCsvOptions, summariseSoracomCsv } from './parser/index.ts';
import { type StoredSoracomSummary, SUMMARIES_PREFIX } from './summaries.ts';

export interface IngestOptions {
  s3: S3Client;
  bucket: string;
  /** The object key from the S3 event (already URL-decoded). */
  key: string;
  prefix: string;
  /** The bill's currency; the CSV does not carry it (the export job records it as object metadata). */
  currency?: string;
  /** Days of the month whose per-item amounts the returned summary carries (`itemDays` of each device). */
  itemDays?: SoracomCsvOptions['itemDays'];
  /** Keep each device's amount per day in the summary (`days`): only daily per-SIM budgets read them. */
  deviceDays?: boolean;
  logger: Logger;
}

export async function ingestSoracomExport(options: IngestOptions): Promise<StoredSoracomSummary | undefined> {
  const parts = parseExportKey(options.key, options.prefix);
  if (!parts) {
    options.logger.warn('not a spendwatch Soracom export key; ignored', { key: options.key });
    return undefined;
  }
  const object = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: options.key }));
  const currency = options.currency ?? object.Metadata?.currency;
  if (!currency)
    throw new Error(`export ${options.key} has no currency metadata; re-export it with the export job`);
  const month = `${parts.month.slice(0, 4)}-${parts.month.slice(4)}`;
  const summary = await summariseSoracomCsv(object.Body as AsyncIterable<Uint8Array>, {
    currency,
    month,
    deviceDays: options.deviceDays ?? false,
    ...(options.itemDays && { itemDays: options.itemDays }),
  });
  const stored: StoredSoracomSummary = {
    ...summary,
    accountId: parts.accountId,
    operatorId: parts.operatorId,
    sourceKey: options.key,
  };
  // The check reads totals, days and tags only: per-item days stay out of the stored summary.
  const body = JSON.stringify(
    options.itemDays
      ? {
          ...stored,
          subscribers: stored.subscribers.map(({ itemDays: _, itemCarry: __, ...subscriber }) => subscriber),
        }
      : stored,
  );
  const base = `${options.prefix}${SUMMARIES_PREFIX}${parts.accountId}/${parts.month}/`;
  const name = options.key.slice(options.key.lastIndexOf('/') + 1).replace(/\.csv$/, '.json');
  await options.s3.send(
    new PutObjectCommand({
      Bucket: options.bucket,
      Key: `${base}${name}`,
      Body: body,
      ContentType: 'application/json',
    }),
  );
  // Export keys sort by time: an older export arriving late must not replace a newer summary.
  const latest = await readLatest(options.s3, options.bucket, `${base}latest.json`);
  if (!latest || latest.sourceKey <= options.key) {
    await options.s3.send(
      new PutObjectCommand({
        Bucket: options.bucket,
        Key: `${base}latest.json`,
        Body: body,
        ContentType: 'application/json',
      }),
    );
  }
  options.logger.info('soracom billing export summarised', {
    key: options.key,
    rows: summary.rowCount,
    subscribers: summary.subscribers.length,
    malformed: summary.malformed.count,
    total: `${summary.totals.amount} ${currency}`,
  });
  if (summary.malformed.count > 0) {
    options.logger.warn('malformed rows in the billing export (counted, not added)', {
      key: options.key,
      count: summary.malformed.count,
      first: summary.malformed.rows.slice(0, 5),
    });
  }
  return stored;
}

async function readLatest(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ sourceKey: string } | undefined> {
  try {
    const reply = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await reply.Body!.transformToString('utf8')) as { sourceKey: string };
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}
