/**
 * Builds the CLI as plain JavaScript (dist/cli), as the Lambdas are built: one ES module per entry and
 * a chunk per dynamic import, so `--help` loads the command table only and the demo world, the AWS SDK
 * and the simulators load when a command needs them. `npm ci` runs it (prepare), and `npm pack` ships
 * the result, so an install without dev dependencies has a working `spendwatch`; tsx stays for
 * development and the tests.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));

export async function buildCli() {
  const outdir = `${root}dist/cli`;
  const { outputFiles } = await build({
    absWorkingDir: root,
    entryPoints: ['cli/bin.ts'],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // ES module builds first: the AWS SDK tree-shakes better from them (as for the Lambdas).
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    // CommonJS packages bundled into ES modules still call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __spendwatchRequire } from 'node:module'; const require = __spendwatchRequire(import.meta.url);",
    },
    logLevel: 'warning',
    write: false,
  });
  // Only what changed is written, and what is no longer built removed: an unchanged build keeps its
  // files' times, which is how the Lambda packaging (dev/lambda-package.ts) knows it is not stale.
  mkdirSync(outdir, { recursive: true });
  const built = new Set(outputFiles.map((file) => file.path));
  for (const name of readdirSync(outdir)) {
    if (!built.has(join(outdir, name))) rmSync(join(outdir, name), { recursive: true, force: true });
  }
  for (const file of outputFiles) {
    if (existsSync(file.path) && readFileSync(file.path).equals(file.contents)) continue;
    writeFileSync(file.path, file.contents);
  }
  // The demo's config, where cli/main.ts finds it from the bundle (../examples from dist/cli).
  cpSync(`${root}examples`, `${root}dist/examples`, { recursive: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
