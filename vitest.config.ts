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
    setupFiles: ['test/support/fresh-process-state.ts'],
    exclude: specsPresent ? ['**/node_modules/**'] : ['**/node_modules/**', 'test/**/*.contract.test.ts'],
    // Files share each worker's loaded modules instead of importing the whole of lib/ again per file
    // (those imports were 100 s of the suite's CPU); fresh-process-state.ts resets the process-wide
    // state between files. Two worker threads on this two-CPU machine: measured 132 s for the suite,
    // against 135 s with three, 151 s in forked processes, and 187 s with isolated files.
    pool: 'threads',
    maxWorkers: 2,
    isolate: false,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
