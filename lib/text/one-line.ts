/**
 * Provider-supplied text on one line: control, line-separator and bidi-override characters become
 * spaces. Alerts (names in an email or a subject) and errors (what a provider said) both need it.
 */
export function oneLine(text: string): string {
  return text
    .replace(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}
