/**
 * Interns byte strings (device ids, bill item names) straight from the CSV bytes, so a row that
 * repeats a known key costs a hash and a compare, not a decoded string. Keys are numbered 0, 1, 2…
 * in order of first appearance; `group` (e.g. the id column kind) is part of the key. A bucket
 * holds everything a probe compares (hash, key, arena offset, length and group), so a lookup in a
 * table of 100k keys touches two cache lines (bucket, arena), not six.
 */
const BUCKET = 4;
/** Longest key: length × 256 + group must fit an Int32 (CSV records are capped far below). */
const MAX_KEY_BYTES = 2 ** 23;

export class ByteKeyTable {
  /**
   * Per bucket (BUCKET ints): hash, key number + 1 (0 when empty), arena offset, length × 256 + group.
   * Open addressing, linear probing.
   */
  private buckets: Int32Array;
  /** Per key: arena offset, length. */
  private keys: Int32Array;
  private arena: Uint8Array;
  private arenaView: DataView;
  /** The caller's byte array last compared against, and a view of it for four-byte reads. */
  private viewed: Uint8Array | null = null;
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private arenaUsed = 0;
  private count = 0;

  constructor(initialKeys = 1024) {
    this.buckets = new Int32Array(initialKeys * 2 * BUCKET);
    this.keys = new Int32Array(initialKeys * 2);
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
    const mask = buckets.length / BUCKET - 1;
    const lengthAndGroup = (end - start) * 256 + group;
    let bucket = hash & mask;
    for (;;) {
      const at = bucket * BUCKET;
      const entry = buckets[at + 1]!;
      if (entry === 0) break;
      if (
        buckets[at] === hash &&
        buckets[at + 3] === lengthAndGroup &&
        this.equalsArena(buckets[at + 2]!, bytes, start, end)
      ) {
        return entry - 1;
      }
      bucket = (bucket + 1) & mask;
    }
    return this.add(bytes, start, end, group, hash, bucket);
  }

  /** Whether bytes[start, end) are key `key` (cheaper than `intern` when the caller has a likely guess). */
  matches(key: number, bytes: Uint8Array, start: number, end: number): boolean {
    return this.keys[key * 2 + 1] === end - start && this.equalsArena(this.keys[key * 2]!, bytes, start, end);
  }

  /** Whether bytes[start, end) equal the arena's bytes from `keyStart` on. */
  private equalsArena(keyStart: number, bytes: Uint8Array, start: number, end: number): boolean {
    let length = end - start;
    if (bytes !== this.viewed) {
      this.viewed = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const view = this.view;
    const arenaView = this.arenaView;
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

  /** Every key as text, in key order: one decode of all keys when they are ASCII (device ids, tag values). */
  texts(decoder: { decode(bytes: Uint8Array): string }): string[] {
    const arena = this.arena.subarray(0, this.arenaUsed);
    let ascii = true;
    for (let i = 0; i < arena.length && ascii; i++) ascii = arena[i]! < 0x80;
    const all = ascii ? decoder.decode(arena) : '';
    const texts = new Array<string>(this.count);
    for (let key = 0; key < this.count; key++) {
      const start = this.keys[key * 2]!;
      const end = start + this.keys[key * 2 + 1]!;
      texts[key] = ascii ? all.slice(start, end) : decoder.decode(arena.subarray(start, end));
    }
    return texts;
  }

  private add(bytes: Uint8Array, start: number, end: number, group: number, hash: number, bucket: number) {
    const length = end - start;
    if (length >= MAX_KEY_BYTES)
      throw new RangeError(`a key of ${length} bytes is longer than ${MAX_KEY_BYTES}`);
    const key = this.count++;
    if (key * 2 === this.keys.length) {
      const keys = new Int32Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    if (this.arenaUsed + length > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
      arena.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = arena;
      this.arenaView = new DataView(arena.buffer);
    }
    this.arena.set(bytes.subarray(start, end), this.arenaUsed);
    this.keys[key * 2] = this.arenaUsed;
    this.keys[key * 2 + 1] = length;
    this.arenaUsed += length;
    const at = bucket * BUCKET;
    this.buckets[at] = hash;
    this.buckets[at + 1] = key + 1;
    this.buckets[at + 2] = this.keys[key * 2]!;
    this.buckets[at + 3] = length * 256 + group;
    // Keep the load factor under one half so probes stay short.
    if (this.count * 2 * BUCKET > this.buckets.length) this.rehash();
    return key;
  }

  private rehash(): void {
    const old = this.buckets;
    const buckets = new Int32Array(old.length * 2);
    const mask = buckets.length / BUCKET - 1;
    for (let from = 0; from < old.length; from += BUCKET) {
      if (old[from + 1] === 0) continue;
      let bucket = old[from]! & mask;
      while (buckets[bucket * BUCKET + 1] !== 0) bucket = (bucket + 1) & mask;
      for (let i = 0; i < BUCKET; i++) buckets[bucket * BUCKET + i] = old[from + i]!;
    }
    this.buckets = buckets;
  }
}
