import * as z from 'zod';
import { ConfigSchema } from './schema.ts';

/** JSON Schema of the config file (what a user writes), generated from the same zod schema the loader uses. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }),
    title: 'spendwatch config',
  };
}
