import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * The providers' own API definitions, copied unedited into ../shared/specs/official beside the
 * repository (its README.md names each file's source). They are read at test time, never copied here.
 */
const OFFICIAL = new URL('../../../../shared/specs/official/', import.meta.url);

export function officialText(file: string): string {
  return readFileSync(new URL(file, OFFICIAL), 'utf8');
}

/** File names in a folder of the official definitions, e.g. "fastly/docs". */
export function officialFiles(folder: string): string[] {
  return readdirSync(new URL(`${folder}/`, OFFICIAL)).sort();
}

/**
 * True (after saying so on stderr) when the official definitions are not there, so a contract test
 * file can skip itself loudly rather than pass without having checked anything.
 */
export function officialSpecsMissing(testFile: string): boolean {
  if (existsSync(OFFICIAL)) return false;
  const name = new URL(testFile).pathname.split('/').slice(-2).join('/');
  console.warn(
    `SKIPPED ${name}: ${OFFICIAL.pathname} is missing; these tests generate response bodies from the providers' own API definitions kept there (see ../shared/specs/official/README.md)`,
  );
  return true;
}
