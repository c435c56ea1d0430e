/**
 * Lambda bundle sizes and cold import times: `npm run bench:bundles [-- --runs 15] [-- --baseline DIR]`.
 *
 * For each function it measures the zip `npm run package` ships (AWS SDK bundled) against the same
 * handler packaged by the same pipeline with `@aws-sdk/*` external, i.e. taken from the runtime (here
 * from node_modules through NODE_PATH, as Lambda's /var/runtime/node_modules would provide it).
 * Cold import: a fresh `node` process requires the unzipped handler module (which builds its clients
 * and reads its settings at module scope, as in Lambda's init phase); the median of N runs, with
 * --enable-source-maps as deployed and without, the runs of all variants interleaved so that a change
 * of machine load hits them alike. Targets: < 250 KB zipped, < 150 ms import (KB = 1024 bytes).
 * --baseline DIR adds the zips of an earlier `npm run package` (a copy of its .serverless folder) to the
 * same interleaved runs: a before/after comparison on equal terms.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePackaged, packageCopy, packagedFunctions, ROOT } from '../dev/lambda-package.ts';
import { unpackZip } from '../dev/zip.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '15' }, baseline: { type: 'string' } },
});
const RUNS = Number(values.runs);
const ZIP_TARGET_KB = 250;
const IMPORT_TARGET_MS = 150;

/** What the handler modules read at module scope (no request is made at import). */
const HANDLER_ENV = {
  SPENDWATCH_BUCKET: 'spendwatch-bench',
  SPENDWATCH_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:spendwatch-bench-alerts',
  SPENDWATCH_WORK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/spendwatch-bench-work',
  SLACK_WEBHOOK_URL_REF: 'ssm:/spendwatch/bench/slack-webhook',
  SPENDWATCH_ACTION_KEY_REF: 'secretsmanager:spendwatch/bench/action-signing-key',
  AWS_REGION: 'us-east-1',
};
const IMPORT =
  'const t = performance.now(); require(process.argv[1]); process.stdout.write(String(performance.now() - t));';

interface Variant {
  name: string;
  packageDir: string;
  /** Where the handler's external modules resolve from, if any. */
  nodePath?: string;
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Milliseconds a fresh node spends in require(handler). */
function coldImportMs(handler: string, flags: string[], nodePath: string | undefined): number {
  const result = spawnSync(process.execPath, ['--no-warnings', ...flags, '-e', IMPORT, handler], {
    env: { PATH: process.env.PATH, ...HANDLER_ENV, ...(nodePath ? { NODE_PATH: nodePath } : {}) },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`importing ${handler} failed:\n${result.stderr}`);
  return Number(result.stdout);
}

/** One function of one variant, unpacked (outside the repository, whose package.json says "type": "module"). */
function unpack(variant: Variant, fn: { name: string; handlerFile: string; zip: string }, workDir: string) {
  const unpacked = join(workDir, variant.name.replace(/\W+/g, '-'), fn.name);
  const sizes = { code: 0, map: 0 };
  for (const entry of unpackZip(readFileSync(fn.zip), unpacked)) {
    if (entry.name === `${fn.handlerFile}.js`) sizes.code = entry.data.length;
    if (entry.name === `${fn.handlerFile}.js.map`) sizes.map = entry.data.length;
  }
  return {
    fn: fn.name,
    variant,
    zip: statSync(fn.zip).size,
    ...sizes,
    handler: join(unpacked, `${fn.handlerFile}.js`),
    withMaps: [] as number[],
    withoutMaps: [] as number[],
  };
}

/** Every variant of every function, the imports interleaved run by run so load changes hit all alike. */
function measure(variants: Variant[], workDir: string) {
  const rows = variants.flatMap((variant) =>
    packagedFunctions(variant.packageDir).map((fn) => unpack(variant, fn, workDir)),
  );
  for (let run = 0; run < RUNS; run++) {
    for (const row of rows) {
      row.withMaps.push(coldImportMs(row.handler, ['--enable-source-maps'], row.variant.nodePath));
      row.withoutMaps.push(coldImportMs(row.handler, [], row.variant.nodePath));
    }
  }
  return rows.map((row) => ({
    ...row,
    importMs: median(row.withMaps),
    importNoMapsMs: median(row.withoutMaps),
  }));
}

const shipped: Variant = { name: 'SDK bundled (shipped)', packageDir: ensurePackaged() };
const externalSdk: Variant = {
  name: 'SDK external (runtime)',
  packageDir: packageCopy({
    editServerlessYml: (text) => {
      const edited = text.replace(/^ {4}exclude: \[\]$/m, "    exclude: ['@aws-sdk/*']");
      if (edited === text) throw new Error('serverless.yml: custom.esbuild "exclude: []" not found');
      return edited;
    },
  }),
  nodePath: join(ROOT, 'node_modules'),
};
const workDir = mkdtempSync(join(tmpdir(), 'spendwatch-bench-'));
try {
  const loadBefore = loadavg()[0]!;
  const baseline: Variant[] = values.baseline
    ? [{ name: `baseline (${values.baseline})`, packageDir: resolve(values.baseline) }]
    : [];
  const rows = measure([...baseline, shipped, externalSdk], workDir).sort((a, b) => a.fn.localeCompare(b.fn));
  console.log(
    `node ${process.version}, ${cpus().length} CPUs, load ${loadBefore.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}; median of ${RUNS} imports\n`,
  );
  console.log(
    '| function | variant | zip KB | bundle KB | map KB | import ms (source maps on) | import ms (off) |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    const zip = `${kb(row.zip)}${row.zip / 1024 < ZIP_TARGET_KB ? '' : ' ✗'}`;
    const ms = `${row.importMs.toFixed(0)}${row.importMs < IMPORT_TARGET_MS ? '' : ' ✗'}`;
    console.log(
      `| ${row.fn} | ${row.variant.name} | ${zip} | ${kb(row.code)} | ${kb(row.map)} | ${ms} | ${row.importNoMapsMs.toFixed(0)} |`,
    );
  }
  console.log(`\n✗: over the target (${ZIP_TARGET_KB} KB zipped, ${IMPORT_TARGET_MS} ms import)`);
} finally {
  rmSync(workDir, { recursive: true, force: true });
  rmSync(dirname(externalSdk.packageDir), { recursive: true, force: true });
}
