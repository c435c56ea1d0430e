/**
 * esbuild plugins for the Lambda bundles (serverless.yml: custom.esbuild.plugins).
 *
 * sdkPackageVersions: each AWS SDK client reads its package.json for `version` (the user agent) with a
 * default import, which bundles the whole file (dependencies, scripts, ...: 2-2.5 KB per client).
 * The bundles get `{ "version" }` only.
 *
 * ownSourceMaps: keeps in each bundle's source map only the mappings that point into our own code.
 * With --enable-source-maps our frames (lib/, functions/) still read as file:line in stack traces;
 * frames inside dependencies (the AWS SDK, zod, yaml) keep their bundle positions. That halves the zip:
 * the dependencies are ~90 % of the code and their mappings ~70 % of the zip (bench/README.md).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((char, value) => [char, value]));

/** One source-map segment ("AAgBC") → its signed numbers. */
function decodeSegment(segment) {
  const fields = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGIT.get(char);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return fields;
}

function encodeNumber(number) {
  let value = number < 0 ? (-number << 1) | 1 : number << 1;
  let text = '';
  do {
    let digit = value & 31;
    value >>>= 5;
    if (value) digit |= 32;
    text += BASE64[digit];
  } while (value);
  return text;
}

/** A source map (v3 JSON) with only the mappings whose source `keep(source)` accepts. */
export function filterSourceMap(map, keep) {
  const kept = map.sources.map((source) => keep(source));
  const sourceIndex = [];
  const sources = [];
  map.sources.forEach((source, index) => {
    if (!kept[index]) return;
    sourceIndex[index] = sources.length;
    sources.push(source);
  });
  const names = [];
  const nameIndex = new Map();
  // Fields other than the generated column are relative to the previous segment of the whole map.
  const read = { source: 0, line: 0, column: 0, name: 0 };
  const written = { source: 0, line: 0, column: 0, name: 0 };
  const lines = map.mappings.split(';').map((line) => {
    let generated = 0;
    let writtenGenerated = 0;
    const segments = [];
    for (const segment of line.split(',')) {
      if (!segment) continue;
      const [column, source, sourceLine, sourceColumn, name] = decodeSegment(segment);
      generated += column;
      if (source === undefined) continue;
      read.source += source;
      read.line += sourceLine;
      read.column += sourceColumn;
      if (name !== undefined) read.name += name;
      if (!kept[read.source]) continue;
      const newSource = sourceIndex[read.source];
      let text =
        encodeNumber(generated - writtenGenerated) +
        encodeNumber(newSource - written.source) +
        encodeNumber(read.line - written.line) +
        encodeNumber(read.column - written.column);
      writtenGenerated = generated;
      written.source = newSource;
      written.line = read.line;
      written.column = read.column;
      if (name !== undefined) {
        const original = map.names[read.name];
        let index = nameIndex.get(original);
        if (index === undefined) {
          index = names.length;
          names.push(original);
          nameIndex.set(original, index);
        }
        text += encodeNumber(index - written.name);
        written.name = index;
      }
      segments.push(text);
    }
    return segments.join(',');
  });
  return { version: 3, sources, names, mappings: lines.join(';') };
}

export const ownSourceMaps = {
  name: 'own-source-maps',
  setup(build) {
    build.initialOptions.metafile = true;
    // Metafile paths are relative to esbuild's working directory.
    const root = build.initialOptions.absWorkingDir ?? process.cwd();
    build.onEnd(async (result) => {
      const maps = Object.keys(result.metafile?.outputs ?? {}).filter((file) => file.endsWith('.map'));
      for (const path of maps) {
        const file = resolve(root, path);
        const map = JSON.parse(await readFile(file, 'utf8'));
        const own = filterSourceMap(map, (source) => !source.includes('node_modules/'));
        await writeFile(file, JSON.stringify(own));
      }
    });
  },
};

export const sdkPackageVersions = {
  name: 'sdk-package-versions',
  setup(build) {
    build.onLoad(
      { filter: /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]package\.json$/ },
      async (args) => {
        const { version } = JSON.parse(await readFile(args.path, 'utf8'));
        return { contents: JSON.stringify({ version }), loader: 'json' };
      },
    );
  },
};

export default [sdkPackageVersions, ownSourceMaps];
