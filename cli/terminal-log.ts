/**
 * The CLI's log when a person reads stderr on a terminal: each warning as one readable line, and each
 * error once. The command's own output already shows most errors (an unreadable account in check's
 * summary, a broken budget); those are not printed again. The rest are printed after the output.
 * Piped or with --verbose, stderr keeps the structured JSON lines.
 */
import { type LogFields, type Logger, redactor } from '../lib/log/index.ts';

export class TerminalLog {
  private readonly held: { message: string; fields: LogFields }[] = [];
  private readonly shown: string[] = [];

  constructor(private readonly err: (text: string) => void) {}

  /** Text the command printed on stdout. */
  printed(text: string): void {
    this.shown.push(text);
  }

  logger(fields: LogFields = {}): Logger {
    const line = (level: string, message: string, more?: LogFields) => {
      const all = { ...fields, ...more };
      const details = Object.entries(all)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key} ${value instanceof Error ? value.message : String(value)}`);
      return redactor.redact(`${level}: ${message}${details.length > 0 ? ` (${details.join(', ')})` : ''}`);
    };
    return {
      debug: () => {},
      info: () => {},
      warn: (message, more) => this.err(line('warning', message, more)),
      error: (message, more) =>
        this.held.push({ message: line('error', message, more), fields: { ...fields, ...more } }),
      child: (more) => this.logger({ ...fields, ...more }),
    };
  }

  /** Prints the errors the output did not show, and forgets them. */
  flush(): void {
    const output = this.shown.join('\n');
    for (const { message, fields } of this.held.splice(0)) {
      const error = fields.error instanceof Error ? fields.error.message : fields.error;
      if (typeof error === 'string' && output.includes(redactor.redact(error))) continue;
      this.err(message);
    }
  }
}
