/** Text measured and laid out in terminal columns: what a line takes on screen, not its length. */

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour codes this strips
const ANSI = /\x1b\[[0-9;]*m/g;

/** The text without its colour codes. */
export function withoutColour(text: string): string {
  return text.replace(ANSI, '');
}

/** East Asian wide and fullwidth characters (CJK, kana, hangul, fullwidth forms) and emoji take two columns. */
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;

function charWidth(char: string): number {
  return WIDE.test(char) ? 2 : 1;
}

/** Columns the text takes on a terminal: colour codes take none, wide characters two. */
export function displayWidth(text: string): number {
  let columns = 0;
  for (const char of withoutColour(text)) columns += charWidth(char);
  return columns;
}

/** Plain text cut to `columns`, ending with "…" when cut. */
export function clipToWidth(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  let kept = '';
  let used = 0;
  for (const char of text) {
    if (used + charWidth(char) > columns - 1) break;
    kept += char;
    used += charWidth(char);
  }
  return `${kept}…`;
}

/**
 * Lines of at most `columns`, broken between words; lines after the first start with `indent`. A
 * word longer than a line (an IMSI list, a URL) is cut across lines rather than overflowing.
 */
export function wrapToWidth(text: string, columns: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  const room = () => columns - displayWidth(line);
  for (const word of text.split(' ')) {
    const gap = line === '' || line === indent ? '' : ' ';
    if (displayWidth(gap + word) <= room()) {
      line += gap + word;
      continue;
    }
    if (line.trim() !== '') lines.push(line);
    line = lines.length > 0 ? indent : '';
    let rest = word;
    while (rest !== '' && displayWidth(rest) > room()) {
      const [head, tail] = splitAtWidth(rest, room());
      lines.push(line + head);
      line = indent;
      rest = tail;
    }
    line += rest;
  }
  if (line.trim() !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * Items joined by `joiner` in lines of at most `columns`, broken between items where it can be (a
 * legend reads item by item); an item longer than a line is wrapped between its words.
 */
export function wrapItems(items: string[], columns: number, joiner = ' · '): string[] {
  const lines: string[] = [];
  const trailing = joiner.trimEnd();
  let line = '';
  items.forEach((item, i) => {
    const joined = line === '' ? item : line + joiner + item;
    // Room for the joiner that ends the line when the next item goes to the next one.
    const end = i === items.length - 1 ? 0 : displayWidth(trailing);
    if (displayWidth(joined) + end <= columns) {
      line = joined;
      return;
    }
    // (A line already full, the last of a wrapped item, ends without it: the break separates.)
    if (line !== '') lines.push(displayWidth(line + trailing) <= columns ? line + trailing : line);
    const wrapped = wrapToWidth(item, columns);
    lines.push(...wrapped.slice(0, -1));
    line = wrapped.at(-1)!;
  });
  lines.push(line);
  return lines;
}

function splitAtWidth(text: string, columns: number): [string, string] {
  const chars = [...text];
  let used = 0;
  let i = 0;
  while (i < chars.length && used + charWidth(chars[i]!) <= Math.max(1, columns))
    used += charWidth(chars[i++]!);
  return [chars.slice(0, Math.max(1, i)).join(''), chars.slice(Math.max(1, i)).join('')];
}
