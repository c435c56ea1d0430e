/**
 * Scheduled: exports each Soracom account's Detailed Billing CSV (the month in progress; the month
 * just closed in the first days of a month) into the bucket under exports/soracom/.
 * Settings: lib/aws/environment.ts; composition: lib/runtime/soracom-export.ts.
 */
import { soracomExportFromEnvironment } from '../lib/runtime/soracom-export.ts';

// Module scope: clients, logger and cached secrets live as long as the container.
export const handler = soracomExportFromEnvironment(process.env);
