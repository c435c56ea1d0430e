/** One problem in a config file: where it is, what was found, and what would be valid. */
export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  /** Path in the document, e.g. "budgets[0].thresholds[1].at". */
  path: string;
  /** The value found there, as written (omitted for missing fields). */
  value?: string;
  message: string;
}

function formatProblem(problem: ConfigProblem): string {
  const where = problem.line ? `${problem.file}:${problem.line}:${problem.column ?? 1}` : problem.file;
  const what = problem.value === undefined ? problem.path : `${problem.path} = ${problem.value}`;
  return `${where}: ${what}: ${problem.message}`;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      problems.length === 1
        ? `invalid config: ${formatProblem(problems[0]!)}`
        : `invalid config (${problems.length} problems):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** The config file could not be read at all (missing, unreadable): a usage error, nothing to validate. */
export class ConfigFileError extends ConfigError {
  constructor(file: string, reason: string) {
    super([{ file, path: '(file)', message: reason }]);
    this.name = 'ConfigFileError';
  }
}

export function pathToString(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path)
    out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(document)';
}
