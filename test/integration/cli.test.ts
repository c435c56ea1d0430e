/**
 * The CLI as a person runs it, reading its exit code, stdout and stderr: main() in this process, and
 * the built `node bin/spendwatch.js` where the process matters (its environment, a terminal).
 * `--simulate` runs against the demo's loopback simulators.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { billingCsv } from '../../dev/simulators/soracom.ts';
import { parseConfigJson } from '../../lib/config/json.ts';
import { parseConfig } from '../../lib/config/load.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/spendwatch.js');
const DEMO = join(ROOT, 'examples/demo.yaml');
/** Start of an ANSI escape sequence. */
const ESC = '\u001b[';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The parent's colour settings must not leak into "piped output is plain". */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _force, NO_COLOR: _no, ...env } = process.env;
  return { ...env, ...extra };
}

/**
 * The CLI in this process, as bin/spendwatch.js runs it (main with stdout and stderr, no colour): the
 * same program without a process start per test, so a busy machine slows these tests, not fails them.
 * The built program's own start is tested in built-cli.test.ts.
 */
async function spendwatch(args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (text) => out.push(text), err: (text) => err.push(text) });
  const text = (lines: string[]) => lines.map((line) => `${line}\n`).join('');
  return { code, stdout: text(out), stderr: text(err) };
}

/** The built program in a child process: for what depends on the process itself (its environment). */
function spendwatchProcess(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: cleanEnv(env), timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spendwatch-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function configFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

// Each test starts its own processes (and simulators on free ports): they can run side by side.
describe.concurrent('spendwatch usage and exit codes', () => {
  it('lists the commands for --help (exit 0) and without a command (exit 2)', async () => {
    const help = await spendwatch(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['check', 'status', 'report', 'validate', 'demo'])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect((await spendwatch([])).code).toBe(2);
  });

  it.each(['check', 'status', 'report', 'validate', 'demo'])(
    '%s --help shows usage with examples',
    async (command) => {
      const run = await spendwatch([command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`spendwatch ${command}`);
      expect(run.stdout).toMatch(/Examples?:\n {2}spendwatch /);
      expect(run.stderr).toBe('');
    },
  );

  it('rejects an unknown command with exit 2 and one line on stderr', async () => {
    const run = await spendwatch(['stauts']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      'spendwatch: unknown command "stauts"; run "spendwatch --help" for the list',
    ]);
  });

  it.each([
    ['check', []],
    ['status', []],
    ['report', ['--out', 'never-created']],
    ['validate', []],
  ])('%s without --config exits 2 and says what to pass', async (command, extra) => {
    const run = await spendwatch([command, ...extra]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(
      `spendwatch ${command}: missing --config FILE; run "spendwatch ${command} --help"`,
    );
    expect(existsSync(join(ROOT, 'never-created'))).toBe(false);
  });

  it('report without --out exits 2', async () => {
    const run = await spendwatch(['report', '--config', DEMO]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing --out DIR');
  });

  it('report to a folder that cannot be created exits 2 before reading any account', async () => {
    const file = await configFile('not-a-folder', '');
    const run = await spendwatch(['report', '--config', DEMO, '--simulate', '--out', join(file, 'sub')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot create --out folder ${join(file, 'sub')}`);
    expect(run.stderr).not.toContain('Simulating');
  });

  it('a --now that is not a date exits 2 before reading anything', async () => {
    const run = await spendwatch(['status', '--config', DEMO, '--now', 'next tuesday']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toMatch(
      /^spendwatch status: --now "next tuesday" is not an ISO 8601 date-time/,
    );
  });

  it('an unknown option exits 2', async () => {
    const run = await spendwatch(['status', '--config', DEMO, '--colour']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('run "spendwatch status --help"');
  });

  it('a config with a typo: check exits 2 (nothing run), validate exits 1 (problems found)', async () => {
    const demo = await readFile(DEMO, 'utf8');
    const typo = await configFile('typo.yaml', demo.replace('amount: 30000', 'ammount: 30000'));
    const check = await spendwatch(['check', '--config', typo, '--dry-run']);
    expect(check.code).toBe(2);
    expect(check.stdout).toBe('');
    expect(check.stderr).toContain('ammount');
    const validate = await spendwatch(['validate', '--config', typo]);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain('ammount');
    expect((await spendwatch(['validate', '--config', DEMO])).code).toBe(0);
  });

  it('validate --out writes the config as the JSON the Lambda functions read; nothing for a config with problems', async () => {
    const out = join(dir, 'demo.json');
    const run = await spendwatch(['validate', '--config', DEMO, '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(`demo.yaml: valid (6 accounts, 11 budgets); wrote ${out}`);
    expect(parseConfigJson(await readFile(out, 'utf8'), 'demo.json')).toEqual({
      ...parseConfig(await readFile(DEMO, 'utf8'), 'demo.yaml'),
      file: 'demo.json',
    });

    const demo = await readFile(DEMO, 'utf8');
    const typo = await configFile('typo-out.yaml', demo.replace('amount: 30000', 'ammount: 30000'));
    const refused = await spendwatch(['validate', '--config', typo, '--out', join(dir, 'typo.json')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/typo-out\.yaml:\d+:\d+: budgets\[0\]\.ammount: unknown field/);
    expect(existsSync(join(dir, 'typo.json'))).toBe(false);
  });

  it('--simulate refuses a config whose accounts the demo world does not simulate (exit 2)', async () => {
    const other = await configFile(
      'other.yaml',
      `version: 1
accounts:
  - id: fleet
    provider: soracom
    credentials: { authKeyId: env:X_ID, authKey: env:X_KEY }
budgets:
  - name: fleet
    account: fleet
    amount: 10000
    currency: JPY
    thresholds: [{ at: 80% }]
`,
    );
    const run = await spendwatch(['status', '--config', other, '--simulate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--simulate has no simulator for account "fleet"');
  });
});

describe('spendwatch ingest', () => {
  it('summarises a billing CSV export, lists malformed rows by line, and writes the summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spendwatch-ingest-'));
    const csv = join(dir, 'export.csv');
    const rows = [
      {
        imsi: '440100000000001',
        date: '20261101',
        billItemName: 'Data',
        unitPrice: '0.2',
        quantity: '100',
        amount: '20.5',
        'tag:fleet': 'A',
      },
      {
        imsi: '440100000000002',
        date: '20261102',
        billItemName: 'Data',
        unitPrice: '0.2',
        quantity: '10',
        amount: 'x',
        'tag:fleet': 'B',
      },
      {
        imsi: '440100000000002',
        date: '20261102',
        billItemName: 'Data',
        unitPrice: '0.2',
        quantity: '10',
        amount: '2',
        'tag:fleet': 'B',
      },
    ];
    await writeFile(csv, billingCsv(rows));
    const out = join(dir, 'summary.json');
    const run = await spendwatch(['ingest', '--file', csv, '--currency', 'JPY', '--out', out]);
    expect(run.code).toBe(1); // a malformed row: everything else is summed, the row is reported
    expect(run.stdout).toContain('3 rows, month 2026-11, 2 devices');
    expect(run.stdout).toContain('Total ¥23 (daily ¥23');
    expect(run.stdout).toMatch(/440100000000001 +¥21 +tag:fleet=A/);
    expect(run.stdout).toMatch(/line 3: .*amount/);
    const summary = JSON.parse(await readFile(out, 'utf8')) as { totals: { amount: string } };
    expect(summary.totals.amount).toBe('22.5');
    const missing = await spendwatch(['ingest', '--file', join(dir, 'nope.csv'), '--currency', 'JPY']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read --file');
  });
});

describe('spendwatch against the demo world (--simulate)', { timeout: 60_000 }, () => {
  it('check --json --dry-run prints one alert object per line on stdout, notes on stderr', async () => {
    const run = await spendwatch(['check', '--json', '--dry-run', '--simulate', '--config', DEMO]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const alerts = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const alert of alerts) {
      for (const field of [
        'budget',
        'account',
        'provider',
        'threshold',
        'basis',
        'spent',
        'budgetAmount',
        'unit',
        'percent',
        'periodStart',
        'periodEnd',
        'asOf',
      ])
        expect(alert, field).toHaveProperty(field);
      // Cost alerts name their currency (the unit); usage alerts count a unit and have none.
      if (alert.measure === 'cost') expect(alert, 'currency').toHaveProperty('currency', alert.unit);
      else expect(alert, 'currency').not.toHaveProperty('currency');
      expect(Number.isNaN(Date.parse(alert.asOf as string))).toBe(false);
    }
    // The demo's moment (2026-11-23 12:00 JST) is used when --now is not given.
    const japan = alerts.find((a) => a.budget === 'iot-fleet-japan' && a.threshold === '50%');
    expect(japan).toMatchObject({ currency: 'JPY', provider: 'soracom', basis: 'actual', spent: '22221' });
    expect(alerts.some((a) => a.basis === 'anomaly')).toBe(true);
    expect(run.stderr).toContain('Simulating soracom-jp, soracom-global');
    expect(run.stderr).not.toContain('{');
  });

  it('check --state: stepping --now through the month reports each crossing once', async () => {
    const state = await mkdtemp(join(tmpdir(), 'spendwatch-state-'));
    const at = (day: number) => [
      'check',
      '--json',
      '--simulate',
      '--config',
      DEMO,
      '--state',
      state,
      '--now',
      `2026-11-${day}T12:00:00+09:00`,
    ];
    const keys = async (day: number) => {
      const run = await spendwatch(at(day));
      expect(run.code).toBe(0);
      return run.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { dedupKey: string }).dedupKey);
    };
    const first = await keys(21);
    expect(first).toContain('any-sim/2026-11/actual-100pct.440103125380001');
    expect(await keys(21)).toEqual([]); // the same moment again: nothing new
    const next = await keys(22);
    expect(next).toContain('workers/2026-11-15/anomaly-2026-11-21');
    expect(next.filter((key) => first.includes(key))).toEqual([]);
  }, 90_000);

  it('status prints a plain table when piped: every budget, amounts formatted, no ANSI, no progress', async () => {
    const run = await spendwatch(['status', '--simulate', '--config', DEMO]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(ESC);
    expect(run.stderr).not.toContain(ESC);
    expect(run.stderr).not.toContain('reading accounts');
    const rows = run.stdout.split('\n');
    const japan = rows.find((l) => l.startsWith('iot-fleet-japan'));
    const global = rows.find((l) => l.startsWith('iot-fleet-global'));
    // JPY has no minor unit; the demo's moment has 50% and the forecast crossed, not 80%.
    expect(japan).toMatch(
      /soracom-jp\s+¥22,221\s+¥30,000\s+74\.1%\s+¥28,394\s+-\d+\.\d%\s+80% \(¥24,000\)\s+just now\s+warning$/,
    );
    expect(global).toMatch(
      /soracom-global\s+\$132\.60\s+\$150\.00\s+88\.4%\s+\$177\.88\s+\+\d+\.\d%\s+100% \(\$150\.00\)\s+just now\s+warning$/,
    );
    // A customer held to its own cap (1,250 from its custom field, not the budget's 1,000): spend, cap,
    // percent and next threshold all of that cap.
    expect(rows.find((l) => l.startsWith('customer-invoices'))).toMatch(
      /\$1,012\.50\s+\$1,250\.00\s+81\.0%.*100% \(\$1,250\.00\)/,
    );
  });

  it('status is coloured when FORCE_COLOR is set even though piped, and plain again with FORCE_COLOR=0', async () => {
    const forced = await spendwatchProcess(['status', '--simulate', '--config', DEMO], { FORCE_COLOR: '1' });
    expect(forced.stdout).toContain(`${ESC}33mwarning${ESC}39m`);
    const off = await spendwatchProcess(['status', '--simulate', '--config', DEMO], {
      FORCE_COLOR: '0',
      NO_COLOR: '1',
    });
    expect(off.stdout).not.toContain(ESC);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)(
    'on a terminal status is coloured and shows "reading accounts n/m" on stderr',
    async () => {
      // `script` gives the command a pseudo-terminal, as a person's shell would.
      const command = `${process.execPath} ${BIN} status --simulate --config ${DEMO}`;
      const tty = spawnSync('script', ['-qec', command, '/dev/null'], {
        cwd: ROOT,
        env: cleanEnv({ TERM: 'xterm-256color' }),
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(tty.status).toBe(0);
      expect(tty.stdout).toContain('reading accounts 6/6');
      expect(tty.stdout).toContain(`${ESC}1miot-fleet-japan`);
      const noColour = spawnSync('script', ['-qec', command, '/dev/null'], {
        cwd: ROOT,
        env: cleanEnv({ TERM: 'xterm-256color', NO_COLOR: '1' }),
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(noColour.stdout).not.toContain(`${ESC}1m`);
      expect(noColour.stdout).toContain('reading accounts 6/6');
    },
  );

  it('report --out writes one self-contained index.html with a chart per budget', async () => {
    const out = join(dir, 'report');
    const run = await spendwatch(['report', '--simulate', '--config', DEMO, '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(`Wrote ${join(out, 'index.html')} (11 budgets); open it in a browser.`);
    const html = await readFile(join(out, 'index.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    for (const budget of ['iot-fleet-japan', 'iot-fleet-global'])
      expect(html).toContain(`<svg class="chart" data-budget="${budget}"`);
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
  });

  it('demo runs the check on the demo config and shows what would be delivered', async () => {
    const run = await spendwatch(['demo']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('iot-fleet-japan: ¥22,221 of ¥30,000 (74.1%)');
    expect(run.stdout).toContain('Delivered:');
    // Kill Bill, priced by dry run: Acme Retail's 3,450,000 API calls are 1,000 blocks of 1,000 at
    // 0.40 and 2,450 at 0.25 (1,012.50), 81 % of the 1,250 its custom field names; the vendor's
    // invoice to us is 2,300,000 calls (400 + 325) plus its 500.00 fee.
    expect(run.stdout).toContain(
      '[warning] customer-invoices: Acme Retail (acme-retail) (spendwatch-cap=1250) spent $1,012.50 this period, over the 80% per-resource budget of $1,250.00 (its spendwatch-cap)',
    );
    expect(run.stdout).toContain('[warning] api-vendor-invoice has spent $1,225.00 of $1,400.00 (87.5%)');
    expect(run.stdout).toContain('api-vendor-invoice is forecast to reach $1,483.05 by period end');
    // The customer's alert is shown in full, as its subscriber receives it.
    expect(run.stdout).toContain(
      'Subject: [warning] customer-invoices: 81.0% of USD 1,250.00 (actual) - billing-platform',
    );
    // The bus fleet's SIMs are re-billed through the Kill Bill simulator by the billing-CSV ingest.
    expect(run.stdout).toMatch(
      /chargeback: soracom-jp re-billed through Kill Bill account billing-platform[^\n]*\n\s+days 2026-11-01 to 2026-11-03 [^:]*: [1-9]\d* usage records recorded, 0 already there/,
    );
  });

  it('an account that cannot be read: status shows a gap with the reason and exits 1', async () => {
    const broken = await configFile(
      'broken.yaml',
      `version: 1
accounts:
  - id: soracom-jp
    provider: soracom
    coverage: jp
    credentials: { authKeyId: env:SPENDWATCH_TEST_UNSET_ID, authKey: env:SPENDWATCH_TEST_UNSET_KEY }
budgets:
  - name: fleet
    account: soracom-jp
    amount: 1000
    currency: JPY
    thresholds: [{ at: 80% }]
`,
    );
    const run = await spendwatch(['status', '--config', broken, '--now', '2026-11-23T03:00:00Z']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^fleet\s+soracom-jp\s+—\s+¥1,000\s.*\sgap$/m);
    expect(run.stdout).toContain('gap fleet: account "soracom-jp" could not be read');
    expect(run.stdout).toContain('account soracom-jp (soracom): secret env:SPENDWATCH_TEST_UNSET_ID');
    expect((await spendwatch(['check', '--config', broken, '--dry-run'])).code).toBe(1);
  });
});
