#!/usr/bin/env node
// Runs the TypeScript CLI in place (the Lambda bundles are built by esbuild instead).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
