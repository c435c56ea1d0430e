/**
 * `spendwatch status` as a person sees it in a real terminal of 120 columns: tmux (Debian's) runs the
 * built CLI in a detached 120×60 pane, and the pane's text is read back with wrapped lines joined, so
 * a line the terminal had to wrap shows as the one long line it was.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { displayWidth } from '../../cli/terminal-text.ts';
import { loadConfig } from '../../lib/config/load.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COLUMNS = 120;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux)
  console.warn(
    'SKIPPED: tmux is absent: install Debian\'s tmux (apt-get install -y tmux) to run the 120-column terminal test of "spendwatch status"',
  );

interface Screen {
  paneWidth: number;
  /** The pane's lines, wrapped ones joined, trailing blanks dropped. */
  lines: string[];
  code: number;
}

/** Runs the CLI in a fresh tmux server of its own and returns what its pane shows once it is done. */
function inTerminal(args: string[]): Screen {
  const server = `spendwatch-${randomUUID()}`;
  const tmux = (...argv: string[]) => {
    const run = spawnSync('tmux', ['-u', '-L', server, '-f', '/dev/null', ...argv], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, LANG: 'C.UTF-8', TERM: 'xterm-256color' },
      // Generous: a bound for a wedged terminal, not a speed requirement.
      timeout: 90_000,
    });
    if (run.status !== 0) throw new Error(`tmux ${argv[0]}: ${run.stderr || run.error}`);
    return run.stdout;
  };
  const command = [
    'unset FORCE_COLOR NO_COLOR',
    `${process.execPath} bin/spendwatch.js ${args.join(' ')}`,
    'echo "exit=$?"',
    // Tell the test it is done; the pane stays open to be read, until the server is killed.
    'tmux wait-for -S done',
    'exec sleep 600',
  ].join('; ');
  tmux('new-session', '-d', '-x', String(COLUMNS), '-y', '60', '-c', ROOT, command);
  try {
    tmux('wait-for', 'done');
    const paneWidth = Number(tmux('display-message', '-p', '#{pane_width}').trim());
    const text = tmux('capture-pane', '-p', '-J', '-S', '-', '-E', '-');
    const lines = text.split('\n').map((line) => line.trimEnd());
    while (lines.at(-1) === '') lines.pop();
    const exit = lines.findLast((line) => line.startsWith('exit='));
    return { paneWidth, lines: lines.filter((line) => line !== exit), code: Number(exit?.slice(5)) };
  } finally {
    tmux('kill-server');
  }
}

describe.skipIf(!hasTmux)('spendwatch status in a 120-column terminal (tmux)', () => {
  it('fits every line, keeps every budget and the essential columns, and says what it left out', async () => {
    const screen = inTerminal(['status', '--simulate', '--config', 'examples/demo.yaml']);
    expect(screen.paneWidth).toBe(COLUMNS);
    expect(screen.code, screen.lines.join('\n')).toBe(0);
    const tooWide = screen.lines.filter((line) => displayWidth(line) > COLUMNS);
    expect(tooWide).toEqual([]);

    const header = screen.lines.find((line) => line.startsWith('BUDGET '))!;
    for (const title of ['SPENT', '%', 'FORECAST', 'NEXT', 'STATE']) expect(header).toContain(title);
    const config = await loadConfig(`${ROOT}examples/demo.yaml`);
    for (const budget of config.budgets)
      expect(screen.lines.some((line) => line.startsWith(`${budget.name} `))).toBe(true);
    const note = screen.lines.find((line) => line.startsWith('Fitted to 120 columns'));
    expect(note, screen.lines.join('\n')).toMatch(
      /^Fitted to 120 columns \(full table: 1\d\d\): without ACCOUNTS, DATA AS OF; usage quantities rounded; --wide for all\.$/,
    );
    // Money stays exact; a usage quantity is rounded to fit.
    expect(screen.lines.find((line) => line.startsWith('cdn '))).toContain('$2,186.50');
    expect(screen.lines.find((line) => line.startsWith('partner-api-calls '))).toContain('9.8M api-calls');
  }, 120_000);

  it('prints the full table with --wide, which the terminal then has to wrap', () => {
    const screen = inTerminal(['status', '--simulate', '--config', 'examples/demo.yaml', '--wide']);
    expect(screen.code).toBe(0);
    const header = screen.lines.find((line) => line.startsWith('BUDGET '))!;
    expect(header).toContain('ACCOUNTS');
    expect(header).toContain('DATA AS OF');
    expect(displayWidth(header)).toBeGreaterThan(COLUMNS);
    expect(screen.lines.some((line) => line.startsWith('Fitted to'))).toBe(false);
  }, 120_000);
});
