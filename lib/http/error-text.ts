/**
 * What a provider said about a failure, fit to go into an error message (and from there into stderr,
 * the health record in S3 and a monitoring-gap alert): only its error code and a short message field
 * taken from a parsed body, on one line, secrets masked, at most 200 characters. Never the raw body:
 * an error page may be HTML, or echo a credential in a form the redactor cannot know.
 */
import { redactor } from '../log/index.ts';
import { oneLine } from '../text/one-line.ts';

const MAX_SAID = 200;
/** A body that is nothing but a snake_case error code. */
const ERROR_CODE_TEXT = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/;

/** A provider's own words: one line, known secrets masked, capped. */
export function providerSaid(text: string): string {
  const line = oneLine(redactor.redact(text));
  return line.length > MAX_SAID ? `${line.slice(0, MAX_SAID - 1)}…` : line;
}

/** The code and message of an error body, from its parsed fields; a description of it otherwise. */
export function errorBodySummary(body: unknown): string {
  if (body === undefined || body === null || body === '') return 'empty body';
  if (typeof body === 'string') {
    // Slack answers its webhooks with a bare error code ("invalid_token", "rollup_error").
    if (ERROR_CODE_TEXT.test(body.trim())) return providerSaid(`[${body.trim()}]`);
    return /^\s*</.test(body)
      ? `an HTML or XML page of ${body.length} bytes (not quoted)`
      : `a non-JSON body of ${body.length} bytes (not quoted)`;
  }
  if (typeof body !== 'object') return `a JSON ${typeof body} (not quoted)`;
  const code = firstOf(body, CODE_FIELDS, (v) => typeof v === 'string' || typeof v === 'number');
  const message = firstOf(body, MESSAGE_FIELDS, (v) => typeof v === 'string' && v.trim() !== '');
  if (code === undefined && message === undefined) return 'a JSON body without an error code or message';
  return providerSaid([code === undefined ? '' : `[${String(code)}]`, String(message ?? '')].join(' '));
}

// The shapes the four providers' error bodies take: Fastly {msg, detail}, Soracom {code, message},
// Cloudflare {errors: [{code, message}]}, Kill Bill {code, message, className}, and the common ones.
const CODE_FIELDS = ['code', 'errorCode', 'error_code', 'error.code', 'errors.0.code'];
const MESSAGE_FIELDS = [
  'message',
  'msg',
  'detail',
  'error_description',
  'error',
  'error.message',
  'errors.0.message',
  'title',
];

function firstOf(body: object, paths: string[], usable: (value: unknown) => boolean): unknown {
  for (const path of paths) {
    let value: unknown = body;
    for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
    if (usable(value)) return value;
  }
  return undefined;
}
