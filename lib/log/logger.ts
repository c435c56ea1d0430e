import { redactor as defaultRedactor, type Redactor } from './redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLoggerOptions {
  level?: LogLevel;
  /** Where each finished JSON line goes (stdout in Lambda, stderr in the CLI). */
  write?: (line: string) => void;
  redactor?: Redactor;
  now?: () => Date;
  fields?: LogFields;
}

/** Structured JSON lines, one per event, with secrets masked after serialisation (nothing escapes). */
export function jsonLogger(options: JsonLoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  const redactor = options.redactor ?? defaultRedactor;
  const now = options.now ?? (() => new Date());
  const base = options.fields ?? {};

  const emit = (at: LogLevel, message: string, fields?: LogFields) => {
    if (RANK[at] < RANK[level]) return;
    const record = { level: at, time: now().toISOString(), message, ...base, ...fields };
    write(redactor.redact(JSON.stringify(record, serialise)));
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (fields) => jsonLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

function serialise(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const { name, message } = value;
    // JSON drops an Error's name and message (inherited or not enumerable): named here, then its own fields.
    return { name, message, ...Object.fromEntries(Object.entries(value)) };
  }
  return value;
}

/** Collects records in memory: for tests, and for the CLI's quiet mode. */
export function memoryLogger(
  level: LogLevel = 'debug',
): Logger & { lines: string[]; records(): LogFields[] } {
  const lines: string[] = [];
  const logger = jsonLogger({ level, write: (line) => lines.push(line) });
  return Object.assign(logger, { lines, records: () => lines.map((line) => JSON.parse(line) as LogFields) });
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
