/** FsObjectStore across processes: its exclusive creates and versioned replaces hold between processes too. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../lib/state/fs-store.ts';
import { StateChild } from '../support/child-process.ts';

const scratch = await mkdtemp(path.join(tmpdir(), 'spendwatch-fs-store-processes-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('FsObjectStore shared by processes', () => {
  it('lets exactly one of several processes win each create and each replace of the same key', async () => {
    const dir = path.join(scratch, 'store');
    const store = new FsObjectStore(dir);
    const children = await Promise.all(
      Array.from({ length: 5 }, () => StateChild.start({ kind: 'fs', dir })),
    );
    const keys = Array.from({ length: 100 }, (_, i) => `race/k${i}.json`);
    // Every child gets its command at once and runs through the same keys: they collide on each one.
    const race = async (call: (key: string, child: number) => unknown[], body: (child: number) => string) => {
      children.forEach((child, c) => {
        child.send({ calls: keys.map((key) => call(key, c)) });
      });
      const results = await Promise.all(children.map((child) => child.answer<boolean[]>()));
      for (const [k, key] of keys.entries()) {
        const winners = results.flatMap((perChild, c) => (perChild[k] ? [c] : []));
        expect(winners, key).toHaveLength(1);
        expect((await store.get(key))?.body, key).toBe(body(winners[0]!));
      }
    };
    try {
      await race(
        (key, c) => ['createIfAbsent', key, `created-by-${c}`],
        (c) => `created-by-${c}`,
      );
      const versions = new Map<string, string>();
      for (const key of keys) versions.set(key, (await store.get(key))!.version);
      await race(
        (key, c) => ['replaceIfVersion', key, `replaced-by-${c}`, versions.get(key)],
        (c) => `replaced-by-${c}`,
      );
    } finally {
      await Promise.all(children.map((child) => child.end()));
    }
  });
});
