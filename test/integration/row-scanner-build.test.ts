/**
 * The committed WebAssembly row scanner is what its AssemblyScript source compiles to: a build check
 * (the AssemblyScript compiler runs for seconds), kept out of the unit tests.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { compileRowScanner, ROW_SCANNER_MODULE, rowScannerModule } from '../../dev/wasm/row-scanner.ts';

it('the Soracom CSV row scanner is built from its AssemblyScript source and committed up to date (npm run build:wasm)', async () => {
  const committed = readFileSync(ROW_SCANNER_MODULE, 'utf8');
  expect(committed).toBe(rowScannerModule(await compileRowScanner()));
}, 60_000);
