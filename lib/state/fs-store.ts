/**
 * An ObjectStore in a local directory, safe for several processes at once (the CLI run twice, cron and
 * a person), with no lock to go stale.
 *
 * Each object is a directory `<key>#v/` of immutable numbered generations (`000000000001`, ...); the
 * highest one is the object and its number is the version. Every write goes to a temp file that is
 * fsync'ed and then hard-linked to the next generation's name: link() fails with EEXIST when that name
 * exists, so it is an atomic exclusive create that only ever exposes complete files. Hence
 * - createIfAbsent links generation 1, which is never deleted: exactly one creator wins, forever;
 * - replaceIfVersion(v) links generation v+1 only when v is still the latest: of writers that read the
 *   same version exactly one wins, the others get EEXIST (compare-and-swap, no ABA since numbers only grow);
 * - a crash at any point leaves at worst a stray temp file, which readers ignore.
 * A write prunes the generations before the previous one once they are `pruneAfterMs` old, never the
 * first. The delay is what keeps the compare-and-swap sound: a writer that read version v targets the
 * name v+1, and if v+1 could be deleted while that writer is paused between its readdir and its link,
 * the link would succeed on a stale version. Pruning only names older than ten minutes turns that into
 * "no call stalls for ten minutes between two syscalls", weaker than the ledger's own lease assumption.
 * "#" never appears in a key, so `<key>#v` cannot collide with another key or a key prefix.
 */
import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { checkKey, checkPrefix } from './keys.ts';
import type { ObjectStore, StoredObject } from './store.ts';

const GENERATIONS = '#v';
const GENERATION_NAME = /^\d{12}$/;
const FIRST = 1;

const generationName = (generation: number) => String(generation).padStart(12, '0');

function hasCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

/** The highest generation in `versionsDir`, 0 when there is none (absent object). */
async function latestGeneration(versionsDir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(versionsDir);
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return 0;
    throw error;
  }
  return names.filter((name) => GENERATION_NAME.test(name)).reduce((max, name) => Math.max(max, +name), 0);
}

export interface FsObjectStoreOptions {
  /** How old a superseded generation must be before a write deletes it (10 minutes; tests use 0). */
  pruneAfterMs?: number;
}

export class FsObjectStore implements ObjectStore {
  readonly dir: string;
  private readonly pruneAfterMs: number;

  constructor(dir: string, options: FsObjectStoreOptions = {}) {
    this.dir = path.resolve(dir);
    this.pruneAfterMs = options.pruneAfterMs ?? 10 * 60_000;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const versionsDir = this.versionsDir(key);
    for (;;) {
      const latest = await latestGeneration(versionsDir);
      if (latest === 0) return undefined;
      try {
        const body = await readFile(path.join(versionsDir, generationName(latest)), 'utf8');
        return { body, version: String(latest) };
      } catch (error) {
        // Pruned between readdir and read: newer generations exist now, so look again.
        if (!hasCode(error, 'ENOENT')) throw error;
      }
    }
  }

  async createIfAbsent(key: string, body: string): Promise<boolean> {
    return this.writeGeneration(this.versionsDir(key), FIRST, body);
  }

  async replaceIfVersion(key: string, body: string, version: string): Promise<boolean> {
    const versionsDir = this.versionsDir(key);
    const latest = await latestGeneration(versionsDir);
    if (latest === 0 || String(latest) !== version) return false;
    if (!(await this.writeGeneration(versionsDir, latest + 1, body))) return false;
    await this.prune(versionsDir, latest);
    return true;
  }

  async put(key: string, body: string): Promise<void> {
    const versionsDir = this.versionsDir(key);
    for (;;) {
      const latest = await latestGeneration(versionsDir);
      if (await this.writeGeneration(versionsDir, latest + 1, body)) {
        await this.prune(versionsDir, latest);
        return;
      }
    }
  }

  /** Removes the key's generations. Only for put-written keys (see ObjectStore.delete): no CAS runs on them. */
  async delete(key: string): Promise<void> {
    await rm(this.versionsDir(key), { recursive: true, force: true });
  }

  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    const keys: string[] = [];
    const walk = async (relativeDir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(path.join(this.dir, relativeDir), { withFileTypes: true });
      } catch (error) {
        if (hasCode(error, 'ENOENT')) return;
        throw error;
      }
      for (const entry of entries) {
        if (!entry.isDirectory()) continue;
        const name = `${relativeDir}${entry.name}`;
        if (entry.name.endsWith(GENERATIONS)) {
          const key = name.slice(0, -GENERATIONS.length);
          // A directory without generations is a create that crashed before its link: no object.
          if (key.startsWith(prefix) && (await latestGeneration(path.join(this.dir, name))) > 0) {
            keys.push(key);
          }
        } else if (`${name}/`.startsWith(prefix) || prefix.startsWith(`${name}/`)) {
          await walk(`${name}/`);
        }
      }
    };
    await walk(prefix.slice(0, prefix.lastIndexOf('/') + 1));
    return keys.sort();
  }

  private versionsDir(key: string): string {
    return path.join(this.dir, `${checkKey(key)}${GENERATIONS}`);
  }

  /** Writes `body` as `generation` unless that generation exists (false then). */
  private async writeGeneration(versionsDir: string, generation: number, body: string): Promise<boolean> {
    await mkdir(versionsDir, { recursive: true });
    const temp = path.join(versionsDir, `tmp-${randomUUID()}`);
    const file = await open(temp, 'wx');
    try {
      await file.writeFile(body, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await link(temp, path.join(versionsDir, generationName(generation)));
      return true;
    } catch (error) {
      if (hasCode(error, 'EEXIST')) return false;
      throw error;
    } finally {
      await unlink(temp);
    }
  }

  /** Deletes the old enough generations before `previous`, except the first (it marks the key created). */
  private async prune(versionsDir: string, previous: number): Promise<void> {
    const names = await readdir(versionsDir);
    for (const name of names) {
      const generation = GENERATION_NAME.test(name) ? +name : 0;
      if (generation <= FIRST || generation >= previous) continue;
      const file = path.join(versionsDir, name);
      try {
        if (Date.now() - (await stat(file)).mtimeMs >= this.pruneAfterMs) await unlink(file);
      } catch (error) {
        if (!hasCode(error, 'ENOENT')) throw error; // another writer pruned it first
      }
    }
  }
}
