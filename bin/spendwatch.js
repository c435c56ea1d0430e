#!/usr/bin/env node
// Runs the TypeScript CLI in place (the Lambda bundles are built by esbuild instead).
import { register } from 'tsx/esm/api';

register();
// The AWS SDK warns on every start that releases after January 2027 need Node 22; the Lambda runtime
// is nodejs22.x and local Node 20 is supported until then, so the notice is noise on a terminal.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (!String(warning).startsWith('NodeVersionSupportWarning')) emitWarning(warning, ...rest);
};
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
