/**
 * The CLI as it is shipped: `npm pack` carries the bin and the built program, and that program runs
 * on its own, without node_modules (so without tsx or any dev dependency), --help and the demo alike.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the built CLI', () => {
  let alone: string;

  beforeAll(() => {
    // The global set-up built dist/cli from these sources; copy what a package holds, nothing else.
    alone = mkdtempSync(join(tmpdir(), 'spendwatch-built-'));
    for (const part of ['bin', 'dist/cli', 'dist/examples', 'package.json'])
      cpSync(join(ROOT, part), join(alone, part), { recursive: true });
  });
  afterAll(() => rmSync(alone, { recursive: true, force: true }));

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(alone, 'bin/spendwatch.js'), ...args], {
      cwd: alone,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
      timeout: 60_000,
    });

  it('is what npm pack ships', () => {
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    ) as [{ files: { path: string }[] }];
    const files = pack.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/spendwatch.js',
        'dist/cli/bin.js',
        'dist/examples/demo.yaml',
        'package.json',
      ]),
    );
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
  });

  it('runs --help without node_modules', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Commands:');
  });

  it('runs the demo without node_modules: simulators, local AWS and the check are all in the bundle', () => {
    const demo = run('demo');
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/critical|warning/);
  });
});
