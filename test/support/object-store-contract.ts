/**
 * The ObjectStore contract, one suite run against every implementation (memory, filesystem, S3), so
 * the ledger can rely on the same behaviour whichever store a deployment uses.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../lib/state/store.ts';

export function describeObjectStoreContract(
  name: string,
  open: () => ObjectStore | Promise<ObjectStore>,
): void {
  describe(`${name} keeps the ObjectStore contract`, () => {
    let store: ObjectStore;
    beforeEach(async () => {
      store = await open();
    });

    it('reads back what it created, and nothing for a key never written', async () => {
      expect(await store.createIfAbsent('state/b/2026-11/actual-80pct.json', '{"a":1}')).toBe(true);
      expect(await store.get('state/b/2026-11/actual-80pct.json')).toMatchObject({ body: '{"a":1}' });
      expect(await store.get('state/b/2026-11/actual-90pct.json')).toBeUndefined();
    });

    it('creates a key once: a second create is refused and leaves the first body', async () => {
      expect(await store.createIfAbsent('k.json', 'first')).toBe(true);
      expect(await store.createIfAbsent('k.json', 'second')).toBe(false);
      expect((await store.get('k.json'))?.body).toBe('first');
    });

    it('replaces only from the current version, and each write gives a new version', async () => {
      await store.createIfAbsent('k.json', 'one');
      const first = (await store.get('k.json'))!.version;
      expect(await store.replaceIfVersion('k.json', 'two', first)).toBe(true);
      const second = (await store.get('k.json'))!;
      expect(second).toMatchObject({ body: 'two' });
      expect(second.version).not.toBe(first);
      expect(await store.replaceIfVersion('k.json', 'three', first)).toBe(false);
      expect((await store.get('k.json'))?.body).toBe('two');
    });

    it('does not replace a key that does not exist', async () => {
      await store.createIfAbsent('other.json', 'x');
      const version = (await store.get('other.json'))!.version;
      expect(await store.replaceIfVersion('missing.json', 'y', version)).toBe(false);
      expect(await store.get('missing.json')).toBeUndefined();
    });

    it('puts unconditionally, which makes versions read before it stale', async () => {
      await store.put('report.json', 'v1');
      const before = (await store.get('report.json'))!.version;
      await store.put('report.json', 'v2');
      expect((await store.get('report.json'))?.body).toBe('v2');
      expect(await store.replaceIfVersion('report.json', 'v3', before)).toBe(false);
      expect(await store.createIfAbsent('report.json', 'v4')).toBe(false);
    });

    it('lets exactly one of many concurrent creates win', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.createIfAbsent('race.json', `writer-${i}`)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.get('race.json'))?.body).toBe(`writer-${results.indexOf(true)}`);
    });

    it('lets exactly one of many concurrent replaces from the same version win', async () => {
      await store.createIfAbsent('race.json', 'start');
      const version = (await store.get('race.json'))!.version;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.replaceIfVersion('race.json', `writer-${i}`, version)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.get('race.json'))?.body).toBe(`writer-${results.indexOf(true)}`);
    });

    it('lists the keys under a prefix in lexical order, a key and its sub-keys alike', async () => {
      for (const key of ['a/c/d.json', 'b.json', 'a/b.json', 'ab.json', 'a/c', 'a/c.json']) {
        await store.put(key, key);
      }
      expect(await store.list('a/')).toEqual(['a/b.json', 'a/c', 'a/c.json', 'a/c/d.json']);
      expect(await store.list('a/c/')).toEqual(['a/c/d.json']);
      expect(await store.list('a')).toEqual(['a/b.json', 'a/c', 'a/c.json', 'a/c/d.json', 'ab.json']);
      expect(await store.list('')).toEqual([
        'a/b.json',
        'a/c',
        'a/c.json',
        'a/c/d.json',
        'ab.json',
        'b.json',
      ]);
      expect(await store.list('z/')).toEqual([]);
    });

    it('deletes a key, leaves its neighbours, and deletes an absent key without complaint', async () => {
      for (const key of ['m/a.json', 'm/a.json.b', 'm/a/c.json']) await store.put(key, key);
      await store.delete('m/a.json');
      await store.delete('m/never-written.json');
      expect(await store.get('m/a.json')).toBeUndefined();
      expect(await store.list('m/')).toEqual(['m/a.json.b', 'm/a/c.json']);
      await store.put('m/a.json', 'again');
      expect((await store.get('m/a.json'))?.body).toBe('again');
    });

    it('keeps bodies exactly: empty, multi-line, non-ASCII', async () => {
      const bodies = ['', 'line 1\nline 2\r\n', '¥1,000 — 東京 🚨'];
      for (const [i, body] of bodies.entries()) await store.put(`body-${i}.txt`, body);
      for (const [i, body] of bodies.entries()) expect((await store.get(`body-${i}.txt`))?.body).toBe(body);
    });

    it('refuses keys that could leave their place or mean something else', async () => {
      for (const key of ['../x', 'a/../../x', './x', 'a//b', '/abs', 'a/', '', 'sp ace', 'a\\b', 'x#v']) {
        await expect(store.get(key), key).rejects.toThrow(RangeError);
        await expect(store.createIfAbsent(key, 'x'), key).rejects.toThrow(RangeError);
        await expect(store.put(key, 'x'), key).rejects.toThrow(RangeError);
        await expect(store.delete(key), key).rejects.toThrow(RangeError);
      }
      await expect(store.list('../')).rejects.toThrow(RangeError);
      expect(await store.list('')).toEqual([]);
    });
  });
}
