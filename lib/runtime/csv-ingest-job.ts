/**
 * Composition root of the billing-CSV ingest Lambda (S3 ObjectCreated under exports/soracom/):
 * summarise each new export. It needs no config, secrets or providers, so it imports none.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { ingestSoracomExport } from '../ingest/soracom-ingest.ts';
import type { Logger } from '../log/index.ts';
import type { RuntimeEnvironment } from './environment.ts';

export interface CsvIngestDependencies {
  env: RuntimeEnvironment;
  s3: S3Client;
  logger: Logger;
}

/** The S3 notification Lambda receives (only the fields used). */
const S3Event = z.object({
  Records: z
    .array(
      z.object({
        eventName: z.string().startsWith('ObjectCreated:'),
        s3: z.object({
          bucket: z.object({ name: z.string() }),
          object: z.object({ key: z.string(), size: z.number().optional() }),
        }),
      }),
    )
    .min(1),
});

export function csvIngestJob(
  deps: CsvIngestDependencies,
): (event: unknown) => Promise<{ summarised: string[] }> {
  return async (event) => {
    const parsed = S3Event.safeParse(event);
    if (!parsed.success) {
      throw new Error(
        `unexpected event: expected S3 ObjectCreated records; ${parsed.error.issues[0]?.message ?? ''}`,
      );
    }
    const summarised: string[] = [];
    for (const record of parsed.data.Records) {
      // S3 event keys are URL-encoded, with "+" for spaces.
      const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
      const stored = await ingestSoracomExport({
        s3: deps.s3,
        bucket: record.s3.bucket.name,
        key,
        prefix: deps.env.SPENDWATCH_STATE_PREFIX,
        logger: deps.logger,
      });
      if (stored) summarised.push(key);
    }
    return { summarised };
  };
}
