/**
 * Just enough of the zip format to look inside the Lambda packages (the deploy tests), unpack them
 * (bench/bundles.ts) and deflate them again at the best level (scripts/deflate-zips.mjs): the central
 * directory lists every entry, each stored or deflated.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Buffer;
  /** Unix file type and permissions (0o100644), when the zip was made on Unix. */
  mode?: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
/** "Version made by": high byte 3 = Unix (the external attributes hold a Unix mode), 2.0. */
const MADE_BY_UNIX = (3 << 8) | 20;
const VERSION_NEEDED = 20;
/** General purpose flag bit 11: names are UTF-8. */
const UTF8_NAMES = 0x0800;
const DEFLATED = 8;
/** 1980-01-01 00:00 in MS-DOS date format (time 0): as serverless-esbuild writes, so zips are reproducible. */
const DOS_DATE_1980 = (1 << 5) | 1;

export function readZip(zip: Buffer): ZipEntry[] {
  // The end record is the last 22 bytes plus a comment of at most 64 KiB.
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) end--;
  if (end < 0) throw new Error('not a zip file: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new Error(`zip entry ${i}: bad central header`);
    const madeBy = zip.readUInt16LE(at + 4);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (zip.readUInt32LE(localHeader) !== LOCAL_FILE_HEADER)
      throw new Error(`zip entry ${name}: bad local header`);
    const start = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const raw = zip.subarray(start, start + compressedSize);
    if (method !== 0 && method !== 8) throw new Error(`zip entry ${name}: compression method ${method}`);
    if (!name.endsWith('/')) {
      const data = method === DEFLATED ? inflateRawSync(raw) : Buffer.from(raw);
      if (crc32(data) !== crc) throw new Error(`zip entry ${name}: CRC-32 mismatch`);
      const mode = madeBy >> 8 === 3 ? zip.readUInt32LE(at + 38) >>> 16 : undefined;
      entries.push({ name, data, ...(mode ? { mode } : {}) });
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Writes every entry under `dir`, as Lambda unpacks a function's zip into /var/task. Unpack outside the
 * repository: its package.json says "type": "module", and the bundles are CommonJS.
 */
export function unpackZip(zip: Buffer, dir: string): ZipEntry[] {
  const entries = readZip(zip);
  for (const entry of entries) {
    mkdirSync(dirname(join(dir, entry.name)), { recursive: true });
    writeFileSync(join(dir, entry.name), entry.data);
  }
  return entries;
}

/** A zip of `entries`, in that order, each deflated at `level`; the same entries always give the same bytes. */
export function writeZip(entries: ZipEntry[], level = 9): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data, mode } of entries) {
    const fileName = Buffer.from(name, 'utf8');
    const compressed = deflateRawSync(data, { level });
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_FILE_HEADER, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(DEFLATED, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(DOS_DATE_1980, 12);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_FILE_HEADER, 0);
    central.writeUInt16LE(MADE_BY_UNIX, 4);
    local.copy(central, 6, 4, 28); // version needed … name length: the same fields as the local header
    central.writeUInt32LE(((mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, compressed);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
