/**
 * What each command does, loaded only when one runs (cli/main.ts holds the command table): `--help`
 * and a usage error start without the config parser, the check or the report.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configAsJson, loadConfig, readConfigFile } from '../lib/config/load.ts';
import { renderReportHtml } from '../lib/report/html.ts';
import { exitCodeOf, type RunFlags, withCommandRun } from './command-run.ts';
import type { Io, Values } from './main.ts';
import { alertsAsJsonLines, describeReport } from './output.ts';
import { renderStatus } from './status.ts';
import { UsageError } from './usage-error.ts';

// From cli/ in the sources and from dist/cli in the built program alike (the build copies examples/).
const DEMO_CONFIG = fileURLToPath(new URL('../examples/demo.yaml', import.meta.url));
const DEMO_STATE = resolve('artifacts/demo/state');

export async function check(values: Values, io: Io): Promise<number> {
  return withCommandRun(runFlags(values), io, async (run) => {
    const dryRun = Boolean(values['dry-run']);
    const accountIds = values.account as string[] | undefined;
    const known = run.config.accounts.map((a) => a.id);
    const unknown = (accountIds ?? []).filter((id) => !known.includes(id));
    if (unknown.length > 0)
      throw new UsageError(
        `--account ${unknown.map((id) => `"${id}"`).join(', ')}: no such account in ${run.config.file}; its accounts are ${known.join(', ')}`,
      );
    const report = await run.check({ dryRun, accountIds });
    if (values.json) {
      const alerts = dryRun ? report.suppressed.map((s) => s.alert) : report.delivered;
      if (alerts.length > 0) io.out(alertsAsJsonLines(alerts));
    } else {
      io.out(describeReport(report));
    }
    return exitCodeOf(report);
  });
}

export async function status(values: Values, io: Io): Promise<number> {
  return withCommandRun(runFlags(values), io, async (run) => {
    const report = await run.check({ dryRun: true });
    io.out(
      renderStatus(report, {
        colour: Boolean(io.colour),
        timeZone: run.config.timeZone,
        width: values.wide ? undefined : io.columns,
      }),
    );
    return exitCodeOf(report);
  });
}

export async function report(values: Values, io: Io): Promise<number> {
  const flags = runFlags(values);
  const out = resolve(required(values.out, '--out DIR'));
  // Before any account is read: a folder that cannot be written is a usage error, not a failed run.
  await mkdir(out, { recursive: true }).catch((error: Error) => {
    throw new UsageError(
      `cannot create --out folder ${out} (${error.message}); pass a folder you can write to`,
    );
  });
  return withCommandRun(flags, io, async (run) => {
    const checked = await run.check({ dryRun: true });
    const file = join(out, 'index.html');
    await writeFile(file, renderReportHtml(checked, { timeZone: run.config.timeZone }));
    io.out(`Wrote ${file} (${checked.budgets.length} budgets); open it in a browser.`);
    return exitCodeOf(checked);
  });
}

export async function ingest(values: Values, io: Io): Promise<number> {
  const { ingestFile } = await import('./ingest.ts');
  return ingestFile(
    {
      file: required(values.file, '--file EXPORT.csv'),
      currency: required(values.currency, '--currency CODE (the CSV does not say)'),
      month: values.month as string | undefined,
      out: values.out as string | undefined,
    },
    io,
  );
}

export async function validate(values: Values, io: Io): Promise<number> {
  const path = required(values.config, '--config FILE');
  const out = values.out as string | undefined;
  if (out === undefined) {
    const config = await loadConfig(path);
    io.out(`${config.file}: valid (${config.accounts.length} accounts, ${config.budgets.length} budgets)`);
    return 0;
  }
  const { config, json } = configAsJson(await readConfigFile(path), basename(path));
  await writeFile(out, json).catch((error: Error) => {
    throw new UsageError(`cannot write --out ${out} (${error.message}); pass a file you can write`);
  });
  io.out(
    `${config.file}: valid (${config.accounts.length} accounts, ${config.budgets.length} budgets); wrote ${out}`,
  );
  return 0;
}

export async function actions(values: Values, io: Io): Promise<number> {
  const [subcommand, id, ...extra] = (values._ as string[] | undefined) ?? [];
  if (!subcommand || !['list', 'approve', 'undo', 'serve'].includes(subcommand))
    throw new UsageError(
      `expected list, approve ID, undo ID or serve, not ${subcommand ? `"${subcommand}"` : 'nothing'}`,
    );
  if (extra.length > 0) throw new UsageError(`unexpected ${extra.map((e) => `"${e}"`).join(' ')}`);
  const flags = runFlags(values);
  if (flags.state === undefined && !flags.bucket)
    throw new UsageError(
      'say where the actions are kept: --state DIR (a local check) or --bucket NAME (a deployment)',
    );
  const cli = await import('./actions.ts');
  return withCommandRun(flags, io, async (run) => {
    if (subcommand === 'list') return cli.listActions((await run.store())!, io);
    const guardrails = (await run.guardrails(cli.noticePrinter(io, await run.publisher())))!;
    if (subcommand === 'serve') {
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536))
        throw new UsageError(`--port ${String(values.port)}: expected a port number`);
      return cli.serveActions(run, guardrails, port, io);
    }
    return cli.actOn(guardrails, subcommand as 'approve' | 'undo', cli.requireId({ subcommand, id }), io);
  });
}

export async function demo(values: Values, io: Io): Promise<number> {
  // A fresh state folder each time, so the demo always tells the same story, and its action links
  // can be opened afterwards with: spendwatch actions serve --simulate --state artifacts/demo/state
  await rm(DEMO_STATE, { recursive: true, force: true });
  const flags = runFlags({ ...values, config: DEMO_CONFIG, simulate: true, state: DEMO_STATE });
  return withCommandRun(flags, io, async (run) => {
    const { runDemo } = await import('./demo/demo.ts');
    return runDemo(run, io);
  });
}

function runFlags(values: Values): RunFlags {
  return {
    config: required(values.config, '--config FILE'),
    now: values.now as string | undefined,
    simulate: Boolean(values.simulate),
    verbose: Boolean(values.verbose),
    state: values.state as string | undefined,
    bucket: values.bucket as string | undefined,
    prefix: values.prefix as string | undefined,
    topicArn: (values['topic-arn'] as string | undefined) ?? process.env.SPENDWATCH_TOPIC_ARN,
  };
}

function required(value: Values[string], what: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`missing ${what}`);
  return value;
}
