/**
 * An ObjectStore that counts the requests made of the store it wraps, by kind: each call is one S3
 * request in S3ObjectStore (a list is one per page of 1000 keys, counted here as pages of that size).
 * The bench prices a run from these counts; tests assert what a run may cost.
 */
import type { ObjectStore, StoredObject } from '../lib/state/store.ts';

export type StoreRequest = 'get' | 'put' | 'list' | 'delete';

export class CountingStore implements ObjectStore {
  readonly counts: Record<StoreRequest, number> = { get: 0, put: 0, list: 0, delete: 0 };

  constructor(private readonly inner: ObjectStore) {}

  reset(): void {
    for (const kind of Object.keys(this.counts) as StoreRequest[]) this.counts[kind] = 0;
  }

  get(key: string): Promise<StoredObject | undefined> {
    this.counts.get += 1;
    return this.inner.get(key);
  }

  createIfAbsent(key: string, body: string): Promise<boolean> {
    this.counts.put += 1;
    return this.inner.createIfAbsent(key, body);
  }

  replaceIfVersion(key: string, body: string, version: string): Promise<boolean> {
    this.counts.put += 1;
    return this.inner.replaceIfVersion(key, body, version);
  }

  put(key: string, body: string): Promise<void> {
    this.counts.put += 1;
    return this.inner.put(key, body);
  }

  delete(key: string): Promise<void> {
    this.counts.delete += 1;
    return this.inner.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    const keys = await this.inner.list(prefix);
    this.counts.list += Math.max(1, Math.ceil(keys.length / 1000));
    return keys;
  }
}
