/**
 * Where the export job puts billing CSVs, and how the ingest recognises them: a module of its own so
 * that the ingest Lambda does not bundle the export's multipart upload.
 */
const EXPORTS_PREFIX = 'exports/soracom/';

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
