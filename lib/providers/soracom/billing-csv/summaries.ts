/**
 * Where billing-CSV summaries live and how the check reads them. Kept apart from the ingest so the
 * check's bundle carries no CSV parser.
 */
import type { ObjectStore } from '../../../state/store.ts';
import type { SoracomCsvSummary } from './parser/summary.ts';

export const SUMMARIES_PREFIX = 'summaries/soracom/';

/** A summary as stored: the aggregate plus where it came from. */
export interface StoredSoracomSummary extends SoracomCsvSummary {
  accountId: string;
  operatorId: string;
  sourceKey: string;
}

/** The summary the engine reads for an account's month, through the state store (same bucket and prefix). */
export async function latestSummary(
  store: ObjectStore,
  accountId: string,
  month: string,
): Promise<StoredSoracomSummary | undefined> {
  const object = await store.get(`${SUMMARIES_PREFIX}${accountId}/${month}/latest.json`);
  return object ? (JSON.parse(object.body) as StoredSoracomSummary) : undefined;
}
