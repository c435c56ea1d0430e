/**
 * Vitest global set-up: builds the CLI once per test run, so the tests that start `bin/spendwatch.js`
 * run the built program of the sources under test, never a stale dist/cli.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function buildCli(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build-cli.mjs', import.meta.url))], {
    stdio: 'inherit',
  });
}
