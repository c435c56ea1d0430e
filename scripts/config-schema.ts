// Writes schema/spendwatch.config.schema.json (editor completion); a test fails if it is out of date.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../lib/config/json-schema.ts';

const path = new URL('../schema/spendwatch.config.schema.json', import.meta.url);
writeFileSync(path, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path.pathname}`);
