/**
 * Where the export job puts billing CSVs, and how the ingest recognises them: a module of its own so
 * that the ingest Lambda does not bundle the export's multipart upload.
 */
export const EXPORTS_PREFIX = 'exports/soracom/';

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

/** The parts of an export key, or undefined for any other key (an S3 event for something else). */
export function parseExportKey(
  key: string,
  prefix: string,
): { accountId: string; month: string; operatorId: string } | undefined {
  const match = new RegExp(
    `^${escapeRegExp(prefix + EXPORTS_PREFIX)}([A-Za-z0-9._-]+)/(\\d{6})/([A-Za-z0-9]+)-\\d{8}T\\d{6}Z\\.csv$`,
  ).exec(key);
  return match ? { accountId: match[1]!, month: match[2]!, operatorId: match[3]! } : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
