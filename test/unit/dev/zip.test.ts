/** dev/zip.ts: what scripts/deflate-zips.mjs writes reads back the same, byte for byte. */
import { describe, expect, it } from 'vitest';
import { readZip, writeZip } from '../../../dev/zip.ts';

const entries = [
  { name: 'functions/check.js', data: Buffer.from('"use strict";'.repeat(1000)), mode: 0o100644 },
  { name: 'dist/spendwatch.json', data: Buffer.from('{"version": 1, "name": "ü"}\n'), mode: 0o100755 },
  { name: 'empty.txt', data: Buffer.alloc(0), mode: 0o100644 },
];

describe('zip', () => {
  it('reads back the entries it wrote, with their names, contents and Unix modes', () => {
    expect(readZip(writeZip(entries))).toEqual(entries);
  });

  it('gives the same bytes for the same entries, and compresses better than level 1', () => {
    expect(Buffer.compare(writeZip(entries), writeZip(readZip(writeZip(entries))))).toBe(0);
    expect(writeZip(entries).length).toBeLessThan(writeZip(entries, 1).length);
  });

  it('refuses an entry whose contents do not match its CRC-32', () => {
    const zip = writeZip([{ name: 'a.txt', data: Buffer.from('hello'), mode: 0o100644 }], 0);
    const stored = zip.indexOf('hello');
    zip.write('jello', stored);
    expect(() => readZip(zip)).toThrow(/a\.txt: CRC-32 mismatch/);
  });
});
