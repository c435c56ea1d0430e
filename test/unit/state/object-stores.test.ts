import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lib/state/fs-store.ts';
import { MemoryObjectStore } from '../../../lib/state/memory-store.ts';
import { describeObjectStoreContract } from '../../support/object-store-contract.ts';

const scratch = await mkdtemp(path.join(tmpdir(), 'spendwatch-fs-store-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));
let stores = 0;
const freshDir = () => path.join(scratch, `store-${++stores}`);

describeObjectStoreContract('MemoryObjectStore', () => new MemoryObjectStore());
describeObjectStoreContract('FsObjectStore', () => new FsObjectStore(freshDir()));

describe('FsObjectStore on disk', () => {
  it('keeps each object inside its directory, as numbered generations under "<key>#v"', async () => {
    const dir = freshDir();
    await new FsObjectStore(dir).createIfAbsent('state/cdn/2026-11/actual-80pct.json', 'one');
    expect(await readdir(path.join(dir, 'state/cdn/2026-11/actual-80pct.json#v'))).toEqual(['000000000001']);
  });

  it('prunes superseded generations once old enough, but never the first, so a create cannot succeed twice', async () => {
    const dir = freshDir();
    const writeFive = async (store: FsObjectStore) => {
      await store.createIfAbsent('k.json', 'g1');
      for (const body of ['g2', 'g3', 'g4', 'g5']) await store.put('k.json', body);
      return (await readdir(path.join(dir, 'k.json#v'))).sort();
    };
    expect(await writeFive(new FsObjectStore(dir))).toHaveLength(5); // all younger than the default delay
    await rm(dir, { recursive: true });
    const store = new FsObjectStore(dir, { pruneAfterMs: 0 });
    expect(await writeFive(store)).toEqual(['000000000001', '000000000004', '000000000005']);
    expect(await store.createIfAbsent('k.json', 'again')).toBe(false);
    expect(await store.get('k.json')).toEqual({ body: 'g5', version: '5' });
  });

  it('ignores what a crashed writer leaves: an empty generations directory, a stray temp file', async () => {
    const dir = freshDir();
    await mkdir(path.join(dir, 'k.json#v'), { recursive: true });
    await writeFile(path.join(dir, 'k.json#v', 'tmp-crashed'), 'half a bo');
    const store = new FsObjectStore(dir);
    expect(await store.get('k.json')).toBeUndefined();
    expect(await store.list('')).toEqual([]);
    expect(await store.createIfAbsent('k.json', 'whole')).toBe(true);
    expect(await store.get('k.json')).toEqual({ body: 'whole', version: '1' });
  });

  it('never shows a reader a half-written object', async () => {
    const store = new FsObjectStore(freshDir());
    const size = 2 * 1024 * 1024;
    await store.put('big.txt', 'a'.repeat(size));
    let writing = true;
    const writes = (async () => {
      for (const fill of 'bcdefghij') await store.put('big.txt', fill.repeat(size));
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const { body } = (await store.get('big.txt'))!;
      expect(body).toHaveLength(size);
      expect(body).toBe(body[0]!.repeat(size));
      reads += 1;
    }
    await writes;
    expect(reads).toBeGreaterThan(0);
    expect((await store.get('big.txt'))?.body[0]).toBe('j');
  });
});
