/**
 * S3 ObjectCreated under exports/soracom/: streams the billing CSV, writes its summary and records the
 * chargeback it makes due in Kill Bill (accounts with `chargeback`).
 * Settings: lib/aws/environment.ts; composition: lib/runtime/csv-ingest.ts.
 */
import { csvIngestFromEnvironment } from '../lib/runtime/csv-ingest.ts';

// Module scope: clients, logger and cached secrets live as long as the container.
export const handler = csvIngestFromEnvironment(process.env);
