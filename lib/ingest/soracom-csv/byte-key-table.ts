/**
 * Interns byte strings (device ids, bill item names) straight from the CSV bytes, so a row that
 * repeats a known key costs a hash and a compare, not a decoded string. Keys are numbered 0, 1, 2…
 * in order of first appearance; `group` (e.g. the id column kind) is part of the key. Each bucket
 * holds (hash, key) and each key (start, length, group) side by side: a lookup in a table of 100k
 * keys touches three cache lines, not six.
 */
export class ByteKeyTable {
  /** Per bucket: hash, key number + 1 (0 when empty). Open addressing, linear probing. */
  private buckets: Int32Array;
  /** Per key: arena offset, length, group. */
  private keys: Int32Array;
  private arena: Uint8Array;
  private arenaView: DataView;
  /** The caller's byte array last compared against, and a view of it for four-byte reads. */
  private viewed: Uint8Array | null = null;
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private arenaUsed = 0;
  private count = 0;

  constructor(initialKeys = 1024) {
    this.buckets = new Int32Array(initialKeys * 4);
    this.keys = new Int32Array(initialKeys * 3);
    this.arena = new Uint8Array(initialKeys * 16);
    this.arenaView = new DataView(this.arena.buffer);
  }

  get size(): number {
    return this.count;
  }

  /** The number of the key, adding it when new (then it is `size - 1`). */
  intern(bytes: Uint8Array, start: number, end: number, group: number): number {
    let hash = group ^ 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
    const buckets = this.buckets;
    const mask = (buckets.length >> 1) - 1;
    let bucket = hash & mask;
    for (;;) {
      const entry = buckets[bucket * 2 + 1]!;
      if (entry === 0) break;
      if (buckets[bucket * 2] === hash) {
        const key = entry - 1;
        if (this.keys[key * 3 + 2] === group && this.matches(key, bytes, start, end)) return key;
      }
      bucket = (bucket + 1) & mask;
    }
    return this.add(bytes, start, end, group, hash, bucket);
  }

  /** Whether bytes[start, end) are key `key` (cheaper than `intern` when the caller has a likely guess). */
  matches(key: number, bytes: Uint8Array, start: number, end: number): boolean {
    let length = end - start;
    if (this.keys[key * 3 + 1] !== length) return false;
    if (bytes !== this.viewed) {
      this.viewed = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const view = this.view;
    const arenaView = this.arenaView;
    const keyStart = this.keys[key * 3]!;
    // Four bytes at a time, from the end: ids that share a prefix (IMSIs, serial numbers) differ there.
    while (length >= 4) {
      length -= 4;
      if (view.getInt32(start + length) !== arenaView.getInt32(keyStart + length)) return false;
    }
    while (length > 0) {
      length--;
      if (bytes[start + length] !== this.arena[keyStart + length]) return false;
    }
    return true;
  }

  /** The bytes of a key (a view into the arena: copy it to keep it). */
  bytesOf(key: number): Uint8Array {
    const start = this.keys[key * 3]!;
    return this.arena.subarray(start, start + this.keys[key * 3 + 1]!);
  }

  /** Bytes held (to measure memory use). */
  get byteSize(): number {
    return this.buckets.byteLength + this.keys.byteLength + this.arena.byteLength;
  }

  private add(bytes: Uint8Array, start: number, end: number, group: number, hash: number, bucket: number) {
    const key = this.count++;
    if (key * 3 === this.keys.length) {
      const keys = new Int32Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    const length = end - start;
    if (this.arenaUsed + length > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
      arena.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = arena;
      this.arenaView = new DataView(arena.buffer);
    }
    this.arena.set(bytes.subarray(start, end), this.arenaUsed);
    this.keys[key * 3] = this.arenaUsed;
    this.keys[key * 3 + 1] = length;
    this.keys[key * 3 + 2] = group;
    this.arenaUsed += length;
    this.buckets[bucket * 2] = hash;
    this.buckets[bucket * 2 + 1] = key + 1;
    // Keep the load factor under one half so probes stay short.
    if (this.count * 4 > this.buckets.length) this.rehash();
    return key;
  }

  private rehash(): void {
    const old = this.buckets;
    const buckets = new Int32Array(old.length * 2);
    const mask = (buckets.length >> 1) - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] === 0) continue;
      let bucket = old[i]! & mask;
      while (buckets[bucket * 2 + 1] !== 0) bucket = (bucket + 1) & mask;
      buckets[bucket * 2] = old[i]!;
      buckets[bucket * 2 + 1] = old[i + 1]!;
    }
    this.buckets = buckets;
  }
}
