/**
 * Where each Lambda bundle's bytes go: `npm run bench:bundle-contents [-- --top 25]`.
 *
 * Builds every function's handler again with the esbuild options `npm run package` used (read from
 * .serverless/serverless-state.json, as serverless-esbuild passes them on), with a metafile, and prints
 * the minified bytes per package (node_modules) or per folder of our code (lib/report, ...), largest
 * first. What to cut starts here; bench/bundles.ts then measures what a cut buys.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Metafile, type Plugin } from 'esbuild';
import { ensurePackaged, ROOT } from '../dev/lambda-package.ts';

const { values } = parseArgs({ options: { top: { type: 'string', default: '25' } } });
const TOP = Number(values.top);

/** serverless-esbuild's own settings, which it removes before calling esbuild. */
const PLUGIN_OPTIONS = [
  'exclude',
  'packager',
  'concurrency',
  'zipConcurrency',
  'nativeZip',
  'keepOutputDirectory',
];

interface State {
  service: {
    custom: { esbuild: Record<string, unknown> & { plugins?: string; exclude?: string[] } };
    functions: Record<string, { handler: string }>;
  };
}

/** "node_modules/@aws-sdk/client-s3/dist-es/…" → "@aws-sdk/client-s3"; "lib/report/html.ts" → "lib/report". */
function owner(input: string): string {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return inPackage ? inPackage[1]! : input.split('/').slice(0, 2).join('/');
}

const state = JSON.parse(readFileSync(join(ensurePackaged(), 'serverless-state.json'), 'utf8')) as State;
const { plugins: pluginsFile, exclude = [], ...options } = state.service.custom.esbuild;
for (const name of PLUGIN_OPTIONS) delete options[name];
const plugins = pluginsFile ? ((await import(join(ROOT, pluginsFile))) as { default: Plugin[] }).default : [];

// Written to disk: the source-map plugin rewrites the maps esbuild wrote.
const outdir = mkdtempSync(join(tmpdir(), 'spendwatch-contents-'));
try {
  for (const [name, fn] of Object.entries(state.service.functions)) {
    console.log(await contents(name, fn.handler));
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}

async function contents(name: string, handler: string): Promise<string> {
  const entry = `${handler.slice(0, handler.lastIndexOf('.'))}.ts`;
  const result = await build({
    ...options,
    absWorkingDir: ROOT,
    entryPoints: [entry],
    external: exclude,
    plugins,
    outdir: join(outdir, name),
    metafile: true,
  });
  const output = Object.values((result.metafile as Metafile).outputs).find((out) => out.entryPoint)!;
  const bytes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    bytes.set(owner(input), (bytes.get(owner(input)) ?? 0) + bytesInOutput);
  }
  const rows = [...bytes].sort((a, b) => b[1] - a[1]);
  const lines = [
    `\n${name} (${entry}): ${(output.bytes / 1024).toFixed(1)} KB minified\n`,
    '| KB | share | package or folder |',
    '| ---: | ---: | --- |',
    ...rows
      .slice(0, TOP)
      .map(
        ([part, size]) =>
          `| ${(size / 1024).toFixed(1)} | ${((100 * size) / output.bytes).toFixed(1)} % | ${part} |`,
      ),
  ];
  const rest = rows.slice(TOP).reduce((sum, [, size]) => sum + size, 0);
  if (rest > 0) lines.push(`| ${(rest / 1024).toFixed(1)} | | ${rows.length - TOP} more |`);
  return lines.join('\n');
}
