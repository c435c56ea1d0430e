/**
 * The config as people write it: YAML, read by the CLI with every problem located by line and column.
 * The Lambda functions read the same config as JSON (json.ts), written by `spendwatch validate --out`
 * (configAsJson), so their bundles carry no YAML parser.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { load } from 'js-yaml';
import { type Document, isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { type Config, type ConfigLocator, checkConfig, type FieldLocation } from './config.ts';
import { ConfigError, ConfigFileError } from './errors.ts';

export async function loadConfig(path: string): Promise<Config> {
  return parseConfig(await readConfigFile(path), basename(path));
}

/** Parses and checks a config; every problem found is reported at once, each with its location. */
export function parseConfig(text: string, file = 'spendwatch.yaml'): Config {
  const { data, locate } = readYaml(text, file);
  return checkConfig(data, file, locate);
}

/**
 * A config checked as the CLI checks it, and the same data as the JSON the Lambda functions read:
 * what `npm run package` ships and what goes to S3.
 */
export function configAsJson(text: string, file = 'spendwatch.yaml'): { config: Config; json: string } {
  const { data, locate } = readYaml(text, file);
  const config = checkConfig(data, file, locate);
  const json = `${JSON.stringify(data, null, 2)}\n`;
  return { config, json };
}

export async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'file not found; pass --config with the path of your spendwatch.yaml'
        : (error as Error).message;
    throw new ConfigFileError(path, reason);
  }
}

/**
 * The config's data, and a locator of its fields for the problems found in it. A plain document (no
 * alias, no duplicate key, no syntax error) is read by js-yaml, ten times faster than the yaml library
 * at a thousand accounts (80 against 1400 ms for 560 kB); the yaml library's document, which knows where
 * each node is, is built only to locate a problem. Anything else is read by the yaml library alone: its
 * errors are located, and it refuses aliases that expand exponentially.
 */
function readYaml(text: string, file: string): { data: unknown; locate: ConfigLocator } {
  let data: unknown;
  try {
    data = load(text, { maxAliases: 0 });
  } catch {
    return readYamlDocument(text, file);
  }
  if (data === undefined) return readYamlDocument(text, file);
  let located: ConfigLocator | undefined;
  const locator = () => {
    located ??= readYamlDocument(text, file).locate;
    return located;
  };
  return {
    data,
    locate: { field: (path) => locator().field(path), key: (path, key) => locator().key(path, key) },
  };
}

function readYamlDocument(text: string, file: string): { data: unknown; locate: ConfigLocator } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) =>
    offset === undefined
      ? {}
      : { line: lineCounter.linePos(offset).line, column: lineCounter.linePos(offset).col };

  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => ({
        file,
        ...at(error.pos[0]),
        path: '(yaml)',
        message: `${error.message.split('\n')[0]}; fix the YAML syntax here`,
      })),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // The yaml library refuses documents whose aliases expand exponentially ("billion laughs").
    throw new ConfigError([
      {
        file,
        path: '(yaml)',
        message: `${(error as Error).message}; write the values out instead of aliasing`,
      },
    ]);
  }
  return { data, locate: yamlLocator(doc, at) };
}

function yamlLocator(
  doc: Document,
  at: (offset: number | undefined) => Omit<FieldLocation, 'value'>,
): ConfigLocator {
  return {
    field(path) {
      const node = doc.getIn(path, true) as Node | undefined;
      if (!node) return undefined;
      return { ...at(node.range?.[0]), value: isScalar(node) ? JSON.stringify(node.value) : undefined };
    },
    key(path, key) {
      const holder = doc.getIn(path, true) ?? doc.contents;
      const pair = isMap(holder)
        ? holder.items.find((item) => isScalar(item.key) && String(item.key.value) === key)
        : undefined;
      return at((pair?.key as Node | undefined)?.range?.[0]);
    },
  };
}
