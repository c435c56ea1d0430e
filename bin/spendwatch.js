#!/usr/bin/env node
// Runs the built CLI (scripts/build-cli.mjs, which `npm ci` and `npm pack` run): no TypeScript at start-up.
await import('../dist/cli/bin.js').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli/bin.js'))
    throw error;
  console.error('spendwatch: the CLI is not built yet; run "npm run build" (npm ci does it)');
  process.exitCode = 2;
});
