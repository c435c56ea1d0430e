/**
 * `spendwatch` command line. Runs the same code paths as the Lambda functions; everything that
 * asks for the time takes `--now`, so any day of any month can be replayed.
 *
 * Exit codes: 0 done; 1 done but something failed (an account unreadable, a publish failed,
 * config problems found by validate); 2 usage or config error (nothing was run).
 */
import { parseArgs } from 'node:util';
import { HealthTracker } from '../check/health.ts';
import { runCheck } from '../check/run-check.ts';
import { ConfigError } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import { jsonLogger } from '../log/index.ts';
import { MemoryPublisher } from '../notify/publisher.ts';
import { SecretResolver } from '../secrets/index.ts';
import { FsObjectStore } from '../state/fs-store.ts';
import { AlertLedger } from '../state/ledger.ts';
import { type Clock, fixedClock, systemClock } from '../time/clock.ts';
import { alertsAsJsonLines, describeReport } from './output.ts';

export class UsageError extends Error {}

interface Command {
  summary: string;
  usage: string;
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  run(values: Record<string, string | boolean | undefined>, io: Io): Promise<number>;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const common = {
  config: { type: 'string', short: 'c' },
  now: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

const COMMANDS: Record<string, Command> = {
  check: {
    summary: 'Read every account, evaluate every budget, deliver new crossings',
    usage: `spendwatch check --config FILE [--now ISO] [--dry-run] [--json] [--account ID]

  --config FILE   budget config (YAML)
  --now ISO       replay this moment instead of the current time, e.g. 2026-11-23T12:00:00+09:00
  --dry-run       evaluate and show what would be sent; claim and publish nothing
  --json          print the alerts delivered (or, with --dry-run, that would be), one JSON object per line
  --account ID    only this account and the budgets that read only it (repeatable)
  --state DIR     keep alert state in DIR, so each crossing is reported once across runs
  --verbose       structured logs on stderr at debug level

Examples:
  spendwatch check --config spendwatch.yaml --dry-run
  spendwatch check --config spendwatch.yaml --now 2026-11-30T23:00:00Z --json
  spendwatch check --config spendwatch.yaml --state .spendwatch-state --json`,
    options: {
      ...common,
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      account: { type: 'string', multiple: true },
      state: { type: 'string' },
    },
    async run(values, io) {
      const config = await loadConfig(required(values.config, '--config FILE'));
      const clock = clockFrom(values.now);
      const logger = jsonLogger({ level: values.verbose ? 'debug' : 'warn', write: (line) => io.err(line) });
      const report = await runCheck(
        config,
        {
          clock,
          logger,
          secrets: new SecretResolver(),
          publisher: new MemoryPublisher(),
          ...stateIn(values.state),
        },
        { dryRun: Boolean(values['dry-run']), accountIds: values.account as unknown as string[] | undefined },
      );
      if (values.json) {
        const alerts = values['dry-run'] ? report.suppressed.map((s) => s.alert) : report.delivered;
        if (alerts.length > 0) io.out(alertsAsJsonLines(alerts));
      } else {
        io.out(describeReport(report));
      }
      const failed = report.accounts.some((a) => a.status === 'error') || report.failed.length > 0;
      return failed ? 1 : 0;
    },
  },
  validate: {
    summary: 'Check a config file and list every problem with its location',
    usage: `spendwatch validate --config FILE

Exit codes: 0 valid, 1 problems found (each printed as file:line:column: path = value: what to do), 2 usage error.

Example:
  spendwatch validate --config spendwatch.yaml`,
    options: { ...common },
    async run(values, io) {
      const config = await loadConfig(required(values.config, '--config FILE'));
      io.out(`${config.file}: valid (${config.accounts.length} accounts, ${config.budgets.length} budgets)`);
      return 0;
    },
  },
  demo: {
    summary: 'Run a check against local simulators of all providers (no cloud account needed)',
    usage: `spendwatch demo [--now ISO]

Starts loopback simulators of the provider APIs, runs the check on examples/demo.yaml through the
real clients and evaluator, and shows the alerts a person would receive.`,
    options: { ...common },
    async run(values, io) {
      const { runDemo } = await import('../../dev/demo/demo.ts');
      return runDemo({ now: values.now as string | undefined, io });
    },
  },
};

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(overview());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`spendwatch: unknown command "${name}"; run "spendwatch --help" for the list`);
    return 2;
  }
  try {
    const { values } = parseArgs({
      args: rest,
      options: command.options,
      strict: true,
      allowPositionals: false,
    });
    if ((values as { help?: boolean }).help) {
      io.out(command.usage);
      return 0;
    }
    return await command.run(values as Record<string, string | boolean | undefined>, io);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return name === 'validate' ? 1 : 2;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`spendwatch ${name}: ${(error as Error).message}; run "spendwatch ${name} --help"`);
      return 2;
    }
    io.err(`spendwatch ${name}: ${(error as Error).message}`);
    return 1;
  }
}

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'spendwatch: spend alerts for Fastly, Cloudflare, Soracom and Kill Bill bills',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`),
    '',
    'Run "spendwatch COMMAND --help" for its options and examples.',
  ].join('\n');
}

/** `--state DIR`: the filesystem store, with the same exclusive-create semantics as S3. */
function stateIn(dir: string | boolean | undefined): { ledger?: AlertLedger; health?: HealthTracker } {
  if (typeof dir !== 'string') return {};
  const store = new FsObjectStore(dir);
  return { ledger: new AlertLedger(store), health: new HealthTracker(store) };
}

function required(value: string | boolean | undefined, what: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

export function clockFrom(now: string | boolean | undefined): Clock {
  if (typeof now !== 'string') return systemClock;
  try {
    return fixedClock(now);
  } catch {
    throw new UsageError(`--now "${now}" is not an ISO 8601 date-time (e.g. 2026-11-23T12:00:00Z)`);
  }
}

function defaultIo(): Io {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  };
}
