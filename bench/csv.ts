/**
 * Soracom billing-CSV ingest benchmark: `npm run bench:csv [-- --rows N] [--sims N] [--seed N]
 * [--variants a,b] [--repeat N] [--regenerate]`. Generates (or reuses) one realistic CSV file, then
 * runs every variant on that same file, each run in a fresh child process so peak RSS is its own,
 * and prints MB/s (10^6 bytes), rows/s and peak RSS with the ratios against the targets.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SoracomCsvFixture } from '../dev/fixtures/soracom-billing-csv.ts';

interface VariantResult {
  /** Data rows (or lines, for the variants that parse nothing). */
  rows: number;
  /** Total amount, for the variants that aggregate (checked against the generator's). */
  amount?: string;
  seconds: number;
  /** User + system CPU time: less sensitive than elapsed time to other processes on the machine. */
  cpuSeconds: number;
  maxRssBytes: number;
}

type Run = (file: string) => Promise<Pick<VariantResult, 'rows' | 'amount'>>;

/** Each variant loads its modules first (untimed), then returns the timed run. */
const VARIANTS: Record<string, { label: string; load: () => Promise<Run> }> = {
  ingest: {
    label: 'spendwatch ingest (byte-level, exact scaled-int sums)',
    async load() {
      const { summariseSoracomCsv } = await import('../lib/providers/soracom/billing-csv/parser/index.ts');
      return async (file) => {
        const summary = await summariseSoracomCsv(read(file), { currency: 'USD' });
        return { rows: summary.rowCount, amount: summary.totals.amount };
      };
    },
  },
  'csv-parse': {
    label: 'csv-parse + same aggregation (ScaledSums)',
    async load() {
      const { parse } = await import('csv-parse');
      const { StringRecordAggregator } = await import('./string-record-aggregation.ts');
      return async (file) => {
        const aggregator = new StringRecordAggregator();
        const parser = read(file).pipe(parse({ bom: true, relax_column_count: true }));
        for await (const record of parser) aggregator.add(record as string[]);
        const result = aggregator.result();
        return { rows: result.rows, amount: result.amount };
      };
    },
  },
  papaparse: {
    label: 'papaparse + same aggregation (ScaledSums)',
    async load() {
      const { default: Papa } = await import('papaparse');
      const { StringRecordAggregator } = await import('./string-record-aggregation.ts');
      return async (file) => {
        const aggregator = new StringRecordAggregator();
        await new Promise<void>((resolve, reject) => {
          Papa.parse<string[]>(createReadStream(file, { encoding: 'utf8', highWaterMark: chunkBytes() }), {
            chunk: (results) => {
              for (const record of results.data) aggregator.add(record);
            },
            complete: () => resolve(),
            error: (error: Error) => reject(error),
          });
        });
        const result = aggregator.result();
        return { rows: result.rows, amount: result.amount };
      };
    },
  },
  readline: {
    label: 'node:readline (splits lines, parses nothing)',
    async load() {
      const { createInterface } = await import('node:readline');
      return async (file) => {
        let lines = 0;
        for await (const _ of createInterface({ input: read(file), crlfDelay: Number.POSITIVE_INFINITY }))
          lines++;
        return { rows: lines - 1 };
      };
    },
  },
  'newline-scan': {
    label: 'bare newline scan over the bytes (ceiling)',
    async load() {
      return async (file) => {
        let lines = 0;
        for await (const chunk of read(file)) {
          for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
        }
        return { rows: lines - 1 };
      };
    },
  },
  baseline: {
    label: '(node + tsx, reading nothing: RSS floor)',
    async load() {
      return async () => ({ rows: 0 });
    },
  },
};

function read(file: string): AsyncIterable<Buffer> & NodeJS.ReadableStream {
  return createReadStream(file, { highWaterMark: chunkBytes() });
}

/** Read size of every variant's file stream (the same for all). */
function chunkBytes(): number {
  return Number(args['chunk-kib']) * 1024;
}

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000000' },
    sims: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
    variants: { type: 'string', default: Object.keys(VARIANTS).join(',') },
    repeat: { type: 'string', default: '3' },
    'chunk-kib': { type: 'string', default: '1024' },
    regenerate: { type: 'boolean', default: false },
    // Internal: run one variant in this (child) process.
    variant: { type: 'string' },
    file: { type: 'string' },
  },
});

if (args.variant) {
  const variant = VARIANTS[args.variant];
  if (!variant || !args.file) throw new Error(`unknown variant ${args.variant}`);
  const run = await variant.load();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = await run(args.file);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(`${JSON.stringify({ ...result, seconds, cpuSeconds, maxRssBytes })}\n`);
} else {
  await main();
}

async function main(): Promise<void> {
  const rows = Number(args.rows);
  const sims = Number(args.sims);
  const seed = Number(args.seed);
  const repeat = Number(args.repeat);
  const names = args.variants.split(',');
  for (const name of names) {
    if (!VARIANTS[name])
      throw new Error(`unknown variant ${name}; choose from ${Object.keys(VARIANTS).join(', ')}`);
  }
  const directory = join(tmpdir(), 'spendwatch-bench');
  mkdirSync(directory, { recursive: true });
  const file = join(directory, `soracom-${rows}-rows-${sims}-sims-seed${seed}.csv`);
  const fixture = new SoracomCsvFixture({ rows, sims, seed });
  if (args.regenerate || !existsSync(file)) {
    const started = performance.now();
    const partial = `${file}.partial`;
    const fd = openSync(partial, 'w');
    for (const chunk of fixture.chunks()) writeSync(fd, chunk);
    closeSync(fd);
    renameSync(partial, file);
    console.log(`generated ${file} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } else {
    // Reused file: read the generator through again (without writing) for the expected totals.
    for (const _ of fixture.chunks());
  }
  const bytes = statSync(file).size;
  const expected = fixture.totals;
  console.log(
    `file: ${(bytes / 1e6).toFixed(1)} MB, ${rows.toLocaleString('en')} rows, ${expected.subscribers.toLocaleString('en')} subscribers; ` +
      `node ${process.version}, ${cpus().length} CPUs, ${args['chunk-kib']} KiB reads; ` +
      `best of ${repeat} interleaved runs per variant; load average ${loadavg()[0]!.toFixed(1)} at start`,
  );

  // Rounds of one run per variant, so a busy spell on the machine hits every variant alike.
  const script = fileURLToPath(import.meta.url);
  const runs = new Map<string, VariantResult[]>(names.map((name) => [name, []]));
  for (let round = 0; round < repeat; round++) {
    for (const name of names) {
      const child = spawnSync(
        process.execPath,
        [...process.execArgv, script, '--variant', name, '--file', file, '--chunk-kib', args['chunk-kib']],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        },
      );
      if (child.status !== 0) throw new Error(`variant ${name} failed:\n${child.stderr}`);
      const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as VariantResult;
      if (result.amount !== undefined && result.amount !== expected.amount) {
        throw new Error(`variant ${name} summed ${result.amount}, expected ${expected.amount}`);
      }
      runs.get(name)!.push(result);
    }
  }
  console.log(`load average ${loadavg()[0]!.toFixed(1)} at the end\n`);

  const best = new Map(
    [...runs].map(([name, results]) => {
      const fastest = results.reduce((a, b) => (b.seconds < a.seconds ? b : a));
      return [
        name,
        {
          ...fastest,
          cpuSeconds: Math.min(...results.map((result) => result.cpuSeconds)),
          maxRssBytes: Math.max(...results.map((result) => result.maxRssBytes)),
        },
      ];
    }),
  );
  const megabytes = bytes / 1e6;
  console.log('| variant | MB/s | rows/s | MB/s of CPU time | peak RSS (MB) | best time (s) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, result] of best) {
    const reads = name !== 'baseline';
    const cells = [
      `${name}: ${VARIANTS[name]!.label}`,
      reads ? (megabytes / result.seconds).toFixed(0) : '',
      reads ? Math.round(result.rows / result.seconds).toLocaleString('en') : '',
      reads ? (megabytes / result.cpuSeconds).toFixed(0) : '',
      (result.maxRssBytes / 1e6).toFixed(0),
      reads ? result.seconds.toFixed(2) : '',
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }

  const ingest = best.get('ingest');
  if (!ingest) return;
  console.log('\ningest speed-up, by elapsed time (by CPU time):');
  for (const [name, target] of [
    ['csv-parse', 10],
    ['papaparse', 5],
    ['readline', 1.5],
  ] as const) {
    const other = best.get(name);
    if (!other) continue;
    const ratio = other.seconds / ingest.seconds;
    const cpuRatio = other.cpuSeconds / ingest.cpuSeconds;
    console.log(
      `  vs ${name}: ${ratio.toFixed(2)}x (${cpuRatio.toFixed(2)}x); target >= ${target}x: ${ratio >= target ? 'met' : 'NOT met'}`,
    );
  }
  const rssMb = ingest.maxRssBytes / 1e6;
  console.log(
    `  peak RSS: ${rssMb.toFixed(0)} MB for a ${(bytes / 1e9).toFixed(2)} GB file (target < 150 MB for 1 GB)`,
  );
}
