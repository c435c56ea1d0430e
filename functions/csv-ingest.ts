/** S3 ObjectCreated under exports/soracom/: streams the billing CSV and writes its summary. */
import { jsonLogger } from '../lib/log/index.ts';
import { csvIngestJob } from '../lib/runtime/csv-ingest-job.ts';
import { readEnvironment } from '../lib/runtime/environment.ts';
import { s3ClientFromEnv } from '../lib/state/s3-store.ts';

export const handler = csvIngestJob({
  env: readEnvironment(),
  s3: s3ClientFromEnv(),
  logger: jsonLogger({ fields: { function: 'csv-ingest' } }),
});
