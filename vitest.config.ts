import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Contract drift tests compare the simulators with the providers' published contracts, which live in
// ../shared/specs beside the repository (as in CI). A clone without them runs everything else.
const specsPresent = existsSync(new URL('../shared/specs', import.meta.url));
if (!specsPresent) {
  console.warn(
    "SKIPPED test/**/*.contract.test.ts: ../shared/specs (the providers' published contracts) is not beside this repository.",
  );
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI tests start the built program: build it from the sources under test first.
    globalSetup: ['test/support/build-cli.ts'],
    exclude: specsPresent ? ['**/node_modules/**'] : ['**/node_modules/**', 'test/**/*.contract.test.ts'],
    // Most integration tests wait on sockets, simulators and child processes, not the CPU: three files at
    // once on a two-CPU machine (vitest's default is one fewer than the CPUs, i.e. one file at a time),
    // in worker threads, which start faster than forked processes (168 s against 192 s for the suite).
    pool: 'threads',
    maxWorkers: 3,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
