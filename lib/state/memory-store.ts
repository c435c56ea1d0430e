import { checkKey, checkPrefix } from './keys.ts';
import type { ObjectStore, StoredObject } from './store.ts';

/** An ObjectStore in a Map, for tests and dry runs. Versions are write counters (no ABA). */
export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, StoredObject>();
  private writes = 0;

  async get(key: string): Promise<StoredObject | undefined> {
    const found = this.objects.get(checkKey(key));
    return found && { ...found };
  }

  async createIfAbsent(key: string, body: string): Promise<boolean> {
    if (this.objects.has(checkKey(key))) return false;
    this.write(key, body);
    return true;
  }

  async replaceIfVersion(key: string, body: string, version: string): Promise<boolean> {
    if (this.objects.get(checkKey(key))?.version !== version) return false;
    this.write(key, body);
    return true;
  }

  async put(key: string, body: string): Promise<void> {
    this.write(checkKey(key), body);
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(checkKey(key));
  }

  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  private write(key: string, body: string): void {
    this.writes += 1;
    this.objects.set(key, { body, version: `m${this.writes}` });
  }
}
