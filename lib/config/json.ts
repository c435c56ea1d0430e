/**
 * The config as the Lambda functions read it: the JSON `spendwatch validate --out` writes from the
 * YAML (load.ts), checked again by the same schema, so a file edited by hand or written by another
 * version is refused with each problem's field, value and fix. JSON carries no line numbers; the
 * fields are named by path.
 */
import { type Config, type ConfigLocator, checkConfig } from './config.ts';
import { ConfigError } from './errors.ts';

export function parseConfigJson(text: string, file: string): Config {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([
      {
        file,
        path: '(json)',
        message: `not JSON (${(error as Error).message.replaceAll('\n', '\\n')}); the functions read the JSON that "spendwatch validate --config spendwatch.yaml --out spendwatch.json" writes from your YAML`,
      },
    ]);
  }
  return checkConfig(data, file, jsonLocator(data));
}

function jsonLocator(data: unknown): ConfigLocator {
  return {
    field(path) {
      let node: unknown = data;
      for (const part of path) {
        if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return undefined;
        node = (node as Record<string | number, unknown>)[part];
      }
      return { value: typeof node === 'object' && node !== null ? undefined : JSON.stringify(node) };
    },
    key: () => ({}),
  };
}
