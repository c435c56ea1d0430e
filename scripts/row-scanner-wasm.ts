// Writes lib/providers/soracom/billing-csv/parser/row-scanner/row-scanner.wasm.ts; a test fails if it is out of date.
import { writeFileSync } from 'node:fs';
import { compileRowScanner, ROW_SCANNER_MODULE, rowScannerModule } from '../dev/wasm/row-scanner.ts';

const binary = await compileRowScanner();
writeFileSync(ROW_SCANNER_MODULE, rowScannerModule(binary));
console.log(`wrote ${ROW_SCANNER_MODULE} (${binary.length} bytes of WebAssembly)`);
