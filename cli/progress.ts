/**
 * A transient progress line on stderr ("reading accounts 2/5"), redrawn in place. Only on a TTY:
 * piped or redirected stderr gets nothing, so logs and CI output stay clean.
 */
export interface Progress {
  show(text: string): void;
  /** Erases the line (before other output, and when done). */
  clear(): void;
}

const ERASE_LINE = '\r\x1b[2K';

export function progressLine(stream: { isTTY?: boolean; write(text: string): unknown }): Progress {
  if (!stream.isTTY) return { show() {}, clear() {} };
  let shown = false;
  return {
    show(text) {
      stream.write(`${ERASE_LINE}${text}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write(ERASE_LINE);
      shown = false;
    },
  };
}
