/**
 * `spendwatch` command line. Runs the same code paths as the Lambda functions; everything that
 * asks for the time takes `--now`, so any day of any month can be replayed.
 *
 * Exit codes: 0 done; 1 done but something failed (an account unreadable, a publish failed,
 * config problems found by validate); 2 usage or config error (nothing was run).
 */
import { parseArgs } from 'node:util';
import { ConfigError, ConfigFileError } from '../lib/config/errors.ts';
import { colourWanted } from './colour.ts';
import type { CommandIo } from './command-run.ts';
import { LOCAL_ACTIONS_PORT } from './local-links.ts';
import { progressLine } from './progress.ts';
import { TerminalLog } from './terminal-log.ts';
import { UsageError } from './usage-error.ts';

export interface Io extends CommandIo {
  /** stdout shows ANSI colour: a colour terminal, or FORCE_COLOR. */
  colour?: boolean;
  /** stdout's width when it is a terminal (status fits its table to it); absent when piped. */
  columns?: number;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

/** The commands' implementations: loaded when a command runs, not for --help or a usage error. */
const commands = () => import('./commands.ts');

interface Command {
  summary: string;
  usage: string;
  /** Takes words after the command (a subcommand and its argument), as `values._`. */
  positionals?: boolean;
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  run(values: Values, io: Io): Promise<number>;
}

const common = {
  config: { type: 'string', short: 'c' },
  now: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

const simulate = { simulate: { type: 'boolean' } } as const;

const COMMON_HELP = `  --config FILE   budget config (YAML)
  --now ISO       replay this moment instead of the current time, e.g. 2026-11-23T12:00:00+09:00
  --simulate      run against the demo's local provider simulators (no cloud account; the moment
                  defaults to the demo's, 2026-11-23 12:00 JST); the config's accounts must be the demo's
  --verbose       structured logs on stderr at debug level`;

const COMMANDS: Record<string, Command> = {
  check: {
    summary: 'Read every account, evaluate every budget, deliver new crossings',
    usage: `spendwatch check --config FILE [--now ISO] [--dry-run] [--json] [--account ID] [--simulate]

${COMMON_HELP}
  --dry-run       evaluate and show what would be sent; claim and publish nothing
  --json          print the alerts delivered (or, with --dry-run, that would be), one JSON object per line
  --account ID    only this account and the budgets that read only it (repeatable)
  --state DIR     keep alert state in DIR, so each crossing is reported once across runs
  --topic-arn ARN publish delivered alerts to this SNS topic (default: $SPENDWATCH_TOPIC_ARN; none: print only)

Examples:
  spendwatch check --config spendwatch.yaml --dry-run
  spendwatch check --config spendwatch.yaml --now 2026-11-30T23:00:00Z --json
  spendwatch check --config examples/demo.yaml --simulate --dry-run --json
  spendwatch check --config spendwatch.yaml --state .spendwatch-state --json`,
    options: {
      ...common,
      ...simulate,
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      account: { type: 'string', multiple: true },
      state: { type: 'string' },
      'topic-arn': { type: 'string' },
    },
    run: (values, io) => commands().then((c) => c.check(values, io)),
  },
  status: {
    summary: 'Every budget at a glance: spend, forecast, pace, next threshold, freshness, state',
    usage: `spendwatch status --config FILE [--now ISO] [--simulate] [--wide]

Reads every account and evaluates every budget as check does, as a dry run (nothing claimed or
sent), and prints one line per budget. State: alarm (a spend threshold at 100% or a critical one
crossed), warning (any other crossing: a lower threshold, forecast, pace or anomaly), stale (the
provider's figure is older than staleAfterHours), gap (an account unreadable or its data pending),
ok. Coloured on a colour terminal; NO_COLOR turns colour off, FORCE_COLOR=1 forces it.

On a terminal narrower than the table, status leaves out the columns a glance needs least
(accounts, data age, pace, ...) and rounds usage quantities, and says so under the table; piped
output, or --wide, has every column.

${COMMON_HELP}
  --wide          every column, however wide the terminal (as when piped)

Examples:
  spendwatch status --config spendwatch.yaml
  spendwatch status --config examples/demo.yaml --simulate
  spendwatch status --config spendwatch.yaml --now 2026-11-28T09:00:00+09:00 | less`,
    options: { ...common, ...simulate, wide: { type: 'boolean', short: 'w' } },
    run: (values, io) => commands().then((c) => c.status(values, io)),
  },
  report: {
    summary: 'Write a self-contained HTML page: burn-up chart, thresholds and top contributors per budget',
    usage: `spendwatch report --config FILE --out DIR [--now ISO] [--simulate]

Runs the check as a dry run (nothing claimed or sent) and writes DIR/index.html: one file with
inline styles and charts that loads nothing from the network, so it can be mailed, attached or
served from anywhere.

${COMMON_HELP}
  --out DIR       folder to write index.html into (created if missing)

Examples:
  spendwatch report --config spendwatch.yaml --out report/
  spendwatch report --config examples/demo.yaml --simulate --out /tmp/spendwatch-report`,
    options: { ...common, ...simulate, out: { type: 'string', short: 'o' } },
    run: (values, io) => commands().then((c) => c.report(values, io)),
  },
  ingest: {
    summary: 'Summarise a Soracom billing CSV export: totals, every SIM with its tags, items, days',
    usage: `spendwatch ingest --file EXPORT.csv --currency JPY [--month 2026-11] [--out SUMMARY.json]

Streams the file through the same parser the csv-ingest Lambda runs (constant memory, exact sums),
showing progress on a terminal, and prints the totals, the top SIMs and any malformed rows with
their line numbers. --out writes the whole summary as JSON.

Examples:
  spendwatch ingest --file billing-202611.csv --currency JPY
  spendwatch ingest --file billing-202611.csv --currency USD --out summary.json`,
    options: {
      help: common.help,
      file: { type: 'string', short: 'f' },
      currency: { type: 'string' },
      month: { type: 'string' },
      out: { type: 'string', short: 'o' },
    },
    run: (values, io) => commands().then((c) => c.ingest(values, io)),
  },
  validate: {
    summary:
      'Check a config file and list every problem with its location; --out writes the JSON the Lambdas read',
    usage: `spendwatch validate --config FILE [--out FILE.json]

Exit codes: 0 valid, 1 problems found (each printed as file:line:column: path = value: what to do), 2 usage error.

  --out FILE.json  also write the config as JSON, the form the Lambda functions read (they carry no
                   YAML parser): what \`npm run package\` ships, and what to upload when the config is in S3

Examples:
  spendwatch validate --config spendwatch.yaml
  spendwatch validate --config spendwatch.yaml --out spendwatch.json`,
    options: { ...common, out: { type: 'string', short: 'o' } },
    run: (values, io) => commands().then((c) => c.validate(values, io)),
  },
  actions: {
    summary: 'Guardrail actions: list them, approve or undo one, or serve their links locally',
    usage: `spendwatch actions list|approve ID|undo ID|serve --config FILE (--state DIR | --bucket NAME [--prefix P])

The actions budgets' thresholds take (README, "Guardrails"), as the check recorded them: in a local
--state folder (a check run with --state), or in a deployment's state bucket (AWS credentials from the
environment, as the AWS CLI takes them). approve and undo act as the links do, once, and are audited
under your user name ($SPENDWATCH_OPERATOR overrides it).

  list            every action, newest first: id, status, when, budget and what it does
  approve ID      carry out an action awaiting approval (or one that failed, again)
  undo ID         put the target back as it was before the action
  serve           the Approve and Undo pages on http://127.0.0.1:${LOCAL_ACTIONS_PORT}/, as the actionLink function
                  serves them (links from a check run with SPENDWATCH_ACTIONS_URL pointing here)

${COMMON_HELP}
  --state DIR     the folder a local check keeps its state in
  --bucket NAME   a deployment's state bucket (--prefix: its statePrefix, default spendwatch/)
  --port N        serve: the port (default ${LOCAL_ACTIONS_PORT})

Examples:
  spendwatch actions list --config spendwatch.yaml --bucket spendwatch-prod-123456789012-us-east-1
  spendwatch actions approve Qm9vZ2xlQ2hyb21l --config spendwatch.yaml --bucket spendwatch-prod-123456789012-us-east-1
  npm run demo && spendwatch actions serve --config examples/demo.yaml --simulate --state artifacts/demo/state`,
    positionals: true,
    options: {
      ...common,
      ...simulate,
      state: { type: 'string' },
      bucket: { type: 'string' },
      prefix: { type: 'string' },
      port: { type: 'string' },
    },
    run: (values, io) => commands().then((c) => c.actions(values, io)),
  },
  demo: {
    summary: 'Run a check against local simulators of all providers (no cloud account needed)',
    usage: `spendwatch demo [--now ISO]

Starts loopback simulators of the provider APIs, runs the check on examples/demo.yaml through the
real clients and evaluator, and shows the alerts a person would receive. The same as
"spendwatch check --config examples/demo.yaml --simulate"; "status" and "report" take --simulate too.

Examples:
  spendwatch demo
  spendwatch demo --now 2026-11-28T09:00:00+09:00`,
    options: { now: common.now, help: common.help, verbose: common.verbose },
    run: (values, io) => commands().then((c) => c.demo(values, io)),
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
    const { values, positionals } = parseArgs({
      args: rest,
      options: command.options,
      strict: true,
      allowPositionals: command.positionals ?? false,
    });
    if ((values as { help?: boolean }).help) {
      io.out(command.usage);
      return 0;
    }
    try {
      return await command.run({ ...(values as Values), ...(command.positionals && { _: positionals }) }, io);
    } finally {
      io.terminal?.flush();
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      // validate reports problems in a config it read (1); a file it could not read is a usage error.
      return name === 'validate' && !(error instanceof ConfigFileError) ? 1 : 2;
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
    'Try it without a cloud account:',
    '  spendwatch demo',
    '  spendwatch status --config examples/demo.yaml --simulate',
    '',
    'Run "spendwatch COMMAND --help" for its options and examples.',
  ].join('\n');
}

function defaultIo(): Io {
  const progress = progressLine(process.stderr);
  const err = (text: string) => {
    // A log line must not land on top of the progress line; the next update redraws it.
    progress.clear();
    process.stderr.write(`${text}\n`);
  };
  const terminal = process.stderr.isTTY ? new TerminalLog(err) : undefined;
  return {
    out: (text) => {
      terminal?.printed(text);
      process.stdout.write(`${text}\n`);
    },
    err,
    colour: colourWanted(process.stdout),
    // A pseudo-terminal without a size reports 0 columns: then nothing is fitted.
    columns: process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : undefined,
    progress,
    terminal,
  };
}
