/**
 * A small object store with conditional writes: all the alert ledger needs. Implemented over S3
 * (If-None-Match / If-Match), the local filesystem (exclusive create) and memory.
 */
export interface StoredObject {
  body: string;
  /** Opaque version (an S3 ETag, a content hash): what replaceIfVersion compares. */
  version: string;
}

export interface ObjectStore {
  get(key: string): Promise<StoredObject | undefined>;
  /** Creates `key` only if it does not exist (atomic). False when it already exists. */
  createIfAbsent(key: string, body: string): Promise<boolean>;
  /** Replaces `key` only if its version is still `version` (atomic). False on a lost race. */
  replaceIfVersion(key: string, body: string, version: string): Promise<boolean>;
  /** Unconditional write (summaries, reports). */
  put(key: string, body: string): Promise<void>;
  /**
   * Removes `key`; nothing happens when it is absent. For keys written with `put` (markers, summaries):
   * a key that runs compare-and-swap on is never deleted, so its versions only ever move forward.
   */
  delete(key: string): Promise<void>;
  /** Keys under a prefix, in lexical order. */
  list(prefix: string): Promise<string[]>;
}
