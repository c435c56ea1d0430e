/** The `spendwatch` program: bundled by scripts/build-cli.mjs into dist/cli, run by bin/spendwatch.js. */
import { main } from './main.ts';

// The AWS SDK warns on every start that releases after January 2027 need Node 22; the Lambda runtime
// is nodejs22.x and local Node 20 is supported until then, so the notice is noise on a terminal.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (!String(warning).startsWith('NodeVersionSupportWarning')) emitWarning(warning, ...rest);
}) as typeof process.emitWarning;
process.exitCode = await main(process.argv.slice(2));
