/** ANSI colour for terminal output, only where the reader's terminal wants it. */

/**
 * FORCE_COLOR wins ("0" or "false" turns colour off), then NO_COLOR (any non-empty value) turns it
 * off, then a TTY that is not TERM=dumb gets colour. The same order Node's own tty module uses.
 */
export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR) return false;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  magenta: [35, 39],
  cyan: [36, 39],
} as const;

export type Style = keyof typeof CODES;
export type Paint = (text: string, ...styles: Style[]) => string;

/** Wraps text in the given styles, or returns it unchanged when colour is off. */
export function painter(enabled: boolean): Paint {
  return (text, ...styles) =>
    enabled ? styles.reduce((styled, s) => `\x1b[${CODES[s][0]}m${styled}\x1b[${CODES[s][1]}m`, text) : text;
}
