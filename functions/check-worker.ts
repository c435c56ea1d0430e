/**
 * The fan-out worker: reads the accounts named by work-queue messages (SQS event source with
 * ReportBatchItemFailures) when a config has more accounts than one scheduled tick can read.
 * Settings: lib/aws/environment.ts; composition: lib/runtime/check-worker.ts.
 */
import { checkWorkerFromEnvironment } from '../lib/runtime/check-worker.ts';

// Module scope: clients, logger, cached secrets and provider sessions live as long as the container.
export const handler = checkWorkerFromEnvironment(process.env);
