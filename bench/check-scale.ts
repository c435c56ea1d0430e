/**
 * The check at scale: `npm run bench:check [-- --accounts 10,100,1000 --latency 50 --concurrency 8]`.
 *
 * One loopback simulator per provider (dev/scale-world.ts) answers every account after `--latency` ms,
 * in this process; the check runs in child processes, so their CPU time and peak RSS are the check's
 * alone. For each N (a quarter of the accounts per provider, two budgets each, every tenth crossing):
 * - the real CLI (`bin/spendwatch.js check --state DIR`, the built program), cold (no state yet: every
 *   crossing is claimed and delivered) and warm (the same state again: nothing new to say);
 * - the real runCheck in one process (this file with --in-process), a cold and a warm run, and, at the
 *   largest N, one fan-out worker's share (two messages of 25 accounts, as serverless.yml sends them),
 *   with its state in a folder through a store that counts the S3 requests each call would be.
 * `--profile DIR` writes a CPU profile of each check child. Side by side: `node -e 0` (the floor of any process), `spendwatch --help`, and the waiting floor
 * (provider calls × latency ÷ accounts in flight, `--concurrency` per provider). Last, the monthly bill of 1000 accounts every
 * 15 minutes at AWS list prices, priced from the counted requests and the measured worker duration.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { CountingStore } from '../dev/counting-store.ts';
import { SCALE_NOW, scaleConfig, startScaleWorld } from '../dev/scale-world.ts';
import { configAsJson } from '../lib/config/load.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/spendwatch.js');
/** Printed by every child at exit on fd 3: its own CPU time and peak RSS. */
const USAGE_AT_EXIT =
  'data:text/javascript,import{writeSync}from"node:fs";process.on("exit",()=>{const u=process.resourceUsage();writeSync(3,JSON.stringify({cpuMs:(u.userCPUTime+u.systemCPUTime)/1000,maxRssKb:u.maxRSS}))})';
const FAN_OUT_MESSAGES = 2;
const FAN_OUT_BATCH = 25;

interface Measured {
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  stdout: string;
  code: number | null;
}

/** Runs `node args`, measuring its wall time here and its CPU time and peak RSS from inside. */
function measure(args: string[], env: Record<string, string>): Promise<Measured> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', USAGE_AT_EXIT, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const streams = [child.stdout!, child.stderr!, child.stdio[3]!].map((stream) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    return () => Buffer.concat(chunks).toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const [stdout, stderr, usage] = streams.map((text) => text());
      if (!usage) return reject(new Error(`node ${args.join(' ')} printed no usage:\n${stderr}`));
      const { cpuMs, maxRssKb } = JSON.parse(usage!) as { cpuMs: number; maxRssKb: number };
      if (code !== 0 && code !== 1)
        return reject(new Error(`node ${args.join(' ')} exited ${code}:\n${stderr}`));
      resolve({ wallMs, cpuMs, maxRssMb: maxRssKb / 1024, stdout: stdout!, code });
    });
  });
}

async function best(times: number, run: () => Promise<Measured>): Promise<Measured> {
  let fastest: Measured | undefined;
  for (let i = 0; i < times; i++) {
    const result = await run();
    if (!fastest || result.wallMs < fastest.wallMs) fastest = result;
  }
  return fastest!;
}

// ---------------------------------------------------------------------------------------------------
// The in-process child: runCheck twice (and a worker's share) on the config it is given.

interface RunFigures {
  wallMs: number;
  cpuMs: number;
  accounts: number;
  notRead: string[];
  delivered: number;
  store: CountingStore['counts'];
  secretFetches: number;
}

interface InProcessFigures {
  importMs: number;
  runs: Record<'cold' | 'warm' | 'worker', RunFigures | undefined>;
}

async function inProcess(configFile: string, concurrency: number, worker: boolean): Promise<void> {
  const started = performance.now();
  const [
    { parseConfigJson },
    { runCheck },
    { envBackend, SecretResolver },
    { FsObjectStore },
    { AlertLedger },
    { HealthTracker },
    { KeptReadings },
    { MemoryPublisher },
    { silentLogger },
    { fixedClock },
  ] = await Promise.all([
    import('../lib/config/json.ts'),
    import('../lib/check/run-check.ts'),
    import('../lib/secrets/index.ts'),
    import('../lib/state/fs-store.ts'),
    import('../lib/state/ledger.ts'),
    import('../lib/state/account-health.ts'),
    import('../lib/state/kept-readings.ts'),
    import('../lib/notify/publisher.ts'),
    import('../lib/log/index.ts'),
    import('../lib/time/clock.ts'),
  ]);
  const importMs = performance.now() - started;
  const stateDir = mkdtempSync(join(tmpdir(), 'spendwatch-scale-state-'));
  const store = new CountingStore(new FsObjectStore(stateDir));
  let secretFetches = 0;
  const env = envBackend(process.env);
  const countedEnv = {
    scheme: env.scheme,
    fetch: (name: string) => {
      secretFetches += 1;
      return env.fetch(name);
    },
  };

  const run = async (accountIds?: string[]): Promise<RunFigures> => {
    // A fresh resolver per run: Lambda containers of a 15-minute schedule rarely live from one to the next.
    const deps = {
      clock: fixedClock(SCALE_NOW),
      logger: silentLogger,
      secrets: new SecretResolver([countedEnv]),
      publisher: new MemoryPublisher(),
      ledger: new AlertLedger(store),
      health: new HealthTracker(store),
      keptReadings: new KeptReadings(store),
    };
    store.reset();
    secretFetches = 0;
    const cpu = process.cpuUsage();
    const t = performance.now();
    // The config is read on every run, as the Lambda does: the JSON `spendwatch validate --out` writes.
    const config = parseConfigJson(readFileSync(configFile, 'utf8'), configFile);
    const report = await runCheck(config, deps, { concurrency, accountIds });
    const used = process.cpuUsage(cpu);
    return {
      wallMs: performance.now() - t,
      cpuMs: (used.user + used.system) / 1000,
      accounts: report.accounts.length,
      notRead: report.accounts.filter((a) => a.status !== 'ok').map((a) => a.account.id),
      delivered: report.delivered.length,
      store: { ...store.counts },
      secretFetches,
    };
  };
  const cold = await run();
  const warm = await run();
  const config = parseConfigJson(readFileSync(configFile, 'utf8'), configFile);
  const share = config.accounts.slice(0, FAN_OUT_MESSAGES * FAN_OUT_BATCH).map((a) => a.id);
  const figures: InProcessFigures = {
    importMs,
    runs: { cold, warm, worker: worker ? await run(share) : undefined },
  };
  rmSync(stateDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(figures));
}

// ---------------------------------------------------------------------------------------------------
// The parent: the world, the children, the tables.

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '10,100,1000' },
    latency: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '8' },
    'in-process': { type: 'string' },
    worker: { type: 'boolean', default: false },
    /** Write a V8 CPU profile of each check child into this folder (open it in Chrome's DevTools). */
    profile: { type: 'string' },
  },
});
const concurrency = Number(values.concurrency);
const profiling = values.profile ? ['--cpu-prof', '--cpu-prof-dir', values.profile] : [];

async function parent(): Promise<void> {
  const sizes = values.accounts.split(',').map(Number);
  const latencyMs = Number(values.latency);
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs')], { stdio: 'inherit' });
  console.log(
    `Node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(1)}; provider latency ${latencyMs} ms a call; ${concurrency} accounts of each provider read at once.\n`,
  );

  const floor = await best(5, () => measure(['-e', '0'], {}));
  const help = await best(5, () => measure([BIN, '--help'], {}));
  console.log('| start-up | wall (s) | CPU (s) | peak RSS (MB) | target |');
  console.log('|---|--:|--:|--:|---|');
  console.log(row('`node -e 0` (the floor)', floor, ''));
  console.log(row('`spendwatch --help`', help, `≤ 0.2 s: ${help.wallMs <= 200 ? 'met' : 'NOT met'}`));
  console.log();

  const results: { n: number; mode: string; m: Measured; calls: number; figures?: RunFigures }[] = [];
  const largest = Math.max(...sizes);
  let workerRun: RunFigures | undefined;
  let accountsPerRun: RunFigures | undefined;
  for (const n of sizes) {
    const world = await startScaleWorld(latencyMs);
    const dir = mkdtempSync(join(tmpdir(), 'spendwatch-scale-'));
    try {
      const { config, env } = scaleConfig(n, world.baseUrls);
      const configFile = join(dir, 'spendwatch.yaml');
      writeFileSync(configFile, stringify(config));
      const jsonFile = join(dir, 'spendwatch.json');
      writeFileSync(jsonFile, configAsJson(stringify(config), configFile).json);
      const stateDir = join(dir, 'state');
      for (const mode of ['CLI cold', 'CLI warm']) {
        world.resetCalls();
        const m = await measure(
          [BIN, 'check', '--config', configFile, '--now', SCALE_NOW, '--state', stateDir],
          env,
        );
        if (m.code !== 0) throw new Error(`${mode} of ${n} accounts exited ${m.code}`);
        results.push({ n, mode, m, calls: world.calls() });
      }
      const child = await measure(
        [
          ...profiling,
          '--import',
          'tsx',
          fileURLToPath(import.meta.url),
          '--in-process',
          jsonFile,
          '--concurrency',
          String(concurrency),
          ...(n === largest ? ['--worker'] : []),
        ],
        env,
      );
      const figures = JSON.parse(child.stdout) as InProcessFigures;
      // The same accounts answer the same calls as the CLI's (its rows count them exactly).
      const calls = results.find((r) => r.n === n)!.calls;
      for (const [mode, run] of [
        ['runCheck cold', figures.runs.cold],
        ['runCheck warm', figures.runs.warm],
      ] as const) {
        if (!run) continue;
        if (run.notRead.length > 0) throw new Error(`${mode}: ${run.notRead.length} accounts not read`);
        results.push({
          n,
          mode,
          m: { ...child, wallMs: run.wallMs, cpuMs: run.cpuMs },
          calls,
          figures: run,
        });
      }
      if (n === largest) {
        workerRun = figures.runs.worker;
        accountsPerRun = figures.runs.warm;
      }
    } finally {
      await world.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  console.log(
    '| accounts | run | wall (s) | CPU (s) | calls / account | waiting floor (s) | peak RSS (MB) | alerts |',
  );
  console.log('|--:|---|--:|--:|--:|--:|--:|--:|');
  for (const { n, mode, m, calls, figures } of results) {
    // Accounts are read `concurrency` per provider at once, the four providers side by side.
    const waiting = (calls * latencyMs) / Math.min(concurrency * 4, n) / 1000;
    console.log(
      `| ${n} | ${mode} | ${s(m.wallMs)} | ${s(m.cpuMs)} | ${(calls / n).toFixed(2)} | ${waiting.toFixed(2)} | ${m.maxRssMb.toFixed(0)} | ${figures?.delivered ?? ''} |`,
    );
  }
  console.log();
  targets(results, sizes);
  if (workerRun && accountsPerRun) bill(workerRun, accountsPerRun, largest);
}

function row(what: string, m: Measured, target: string): string {
  return `| ${what} | ${s(m.wallMs)} | ${s(m.cpuMs)} | ${m.maxRssMb.toFixed(0)} | ${target} |`;
}

const s = (ms: number) => (ms / 1000).toFixed(2);

function targets(results: { n: number; mode: string; m: Measured }[], sizes: number[]): void {
  const of = (n: number, mode: string) => results.find((r) => r.n === n && r.mode === mode)?.m;
  const [small, large] = [Math.min(...sizes), Math.max(...sizes)];
  const lines: string[] = [];
  const hundred = of(100, 'CLI cold');
  if (hundred)
    lines.push(
      `100 accounts, CLI cold: ${s(hundred.wallMs)} s wall (target ≤ 2.0 s: ${hundred.wallMs <= 2000 ? 'met' : 'NOT met'})`,
    );
  const [warmSmall, warmLarge] = [of(small, 'runCheck warm'), of(large, 'runCheck warm')];
  if (warmSmall && warmLarge && large > small) {
    const perAccount = (warmLarge.cpuMs - warmSmall.cpuMs) / (large - small);
    lines.push(
      `CPU per account beyond the fixed cost (runCheck warm, ${small} → ${large} accounts): ${perAccount.toFixed(2)} ms (target ≤ 3 ms: ${perAccount <= 3 ? 'met' : 'NOT met'})`,
    );
  }
  const thousand = of(1000, 'CLI cold');
  if (thousand)
    lines.push(
      `1000 accounts in one process, CLI cold: ${s(thousand.wallMs)} s, every account read (target ≤ 15 s: ${thousand.wallMs <= 15_000 ? 'met' : 'NOT met'})`,
    );
  for (const line of lines) console.log(`- ${line}`);
  console.log();
}

/**
 * The monthly bill of `accounts` accounts checked every 15 minutes, as deployed: above 200 accounts the
 * check enqueues batches of 25 and each checkWorker invocation takes two (serverless.yml). Priced from
 * the requests one worker's share made here and its measured duration (which includes waiting on the
 * providers at the bench's latency), at us-east-1 list prices (arm64 Lambda).
 */
function bill(worker: RunFigures, warm: RunFigures, accounts: number): void {
  const PRICE = {
    lambdaGbSecond: 0.0000133334,
    lambdaRequest: 0.2 / 1e6,
    s3Put: 0.005 / 1000, // PUT, COPY, POST, LIST
    s3Get: 0.0004 / 1000,
    sqsRequest: 0.4 / 1e6,
    snsPublish: 0.5 / 1e6,
    snsEmail: 2 / 1e5,
  };
  const runsPerMonth = 4 * 24 * 30;
  const workerMemoryGb = 0.25; // checkWorker memorySize 256
  const checkMemoryGb = 0.5;
  const invocations = Math.ceil(accounts / (FAN_OUT_BATCH * FAN_OUT_MESSAGES));
  const perAccount = (n: number) => n / worker.accounts;
  // Every invocation also reads the config and writes its report (lib/runtime/check-runtime.ts).
  const s3Puts = (perAccount(worker.store.put + worker.store.list) * accounts + invocations) * runsPerMonth;
  const s3Gets = (perAccount(worker.store.get) * accounts + invocations + 1) * runsPerMonth;
  const lambdaSeconds = (invocations * worker.wallMs) / 1000 + 1; // + the fan-out tick, about a second
  const lambda =
    (invocations * (worker.wallMs / 1000) * workerMemoryGb + checkMemoryGb) *
      PRICE.lambdaGbSecond *
      runsPerMonth +
    (invocations + 1) * PRICE.lambdaRequest * runsPerMonth;
  // The tick sends the batches 10 to a call; each worker receive and delete is one request more.
  const sqs =
    (Math.ceil((invocations * FAN_OUT_MESSAGES) / 10) + 2 * invocations) * PRICE.sqsRequest * runsPerMonth;
  // Alerts go out per crossing, not per run: at most every threshold of every budget once a month.
  const crossingsPerMonth = accounts * 3;
  const sns = crossingsPerMonth * (PRICE.snsPublish + PRICE.snsEmail);
  const s3 = s3Puts * PRICE.s3Put + s3Gets * PRICE.s3Get;
  const total = lambda + s3 + sqs + sns;
  console.log(
    `One fan-out worker's share (${worker.accounts} accounts, warm state): ${s(worker.wallMs)} s, ${s(worker.cpuMs)} s CPU; S3 ${fmt(worker.store)}; ${worker.secretFetches} secret fetches.`,
  );
  console.log(
    `One run of all ${warm.accounts} accounts (warm state): S3 ${fmt(warm.store)} (${(
      (warm.store.get + warm.store.put + warm.store.list) / warm.accounts
    ).toFixed(
      2,
    )} requests an account); ${warm.secretFetches} secret fetches (${(warm.secretFetches / warm.accounts).toFixed(2)} an account: every credential once, none twice).`,
  );
  console.log();
  console.log(`| ${accounts} accounts every 15 min, a month | quantity | USD |`);
  console.log('|---|--:|--:|');
  console.log(
    `| Lambda (${invocations} workers × ${s(worker.wallMs)} s at 256 MB + the tick) | ${((lambdaSeconds * runsPerMonth) / 3600).toFixed(0)} h | ${lambda.toFixed(2)} |`,
  );
  console.log(`| S3 PUT + LIST | ${(s3Puts / 1e6).toFixed(2)} M | ${(s3Puts * PRICE.s3Put).toFixed(2)} |`);
  console.log(`| S3 GET | ${(s3Gets / 1e6).toFixed(2)} M | ${(s3Gets * PRICE.s3Get).toFixed(2)} |`);
  console.log(`| SQS (batches sent, received, deleted) | | ${sqs.toFixed(2)} |`);
  console.log(`| SNS (at most ${crossingsPerMonth} alerts, each one email) | | ${sns.toFixed(2)} |`);
  console.log(`| **total** (target < $5) | | **${total.toFixed(2)}** ${total < 5 ? 'met' : 'NOT met'} |`);
  console.log(
    '\nNot counted: SSM standard parameters (no charge per call), CloudWatch logs and metrics, data transfer; with Secrets Manager each credential fetched costs $0.05 per 10,000.',
  );
}

function fmt(counts: CountingStore['counts']): string {
  return `${counts.get} GET, ${counts.put} PUT, ${counts.list} LIST, ${counts.delete} DELETE`;
}

if (values['in-process']) {
  await inProcess(values['in-process'], concurrency, values.worker);
} else {
  await parent();
}
