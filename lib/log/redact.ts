/**
 * Replaces secret values with a marker before text leaves the process (logs, alerts, errors).
 * Every resolved credential is registered here; presigned-URL signatures are masked by pattern.
 *
 * A provider may echo a credential in part or changed ("token Abc123de*** is not valid", an
 * upper-cased or URL-encoded copy, the base64 of a basic-auth value), so each secret is looked for as
 * written, URL-encoded and base64-encoded, ignoring ASCII case; and for token-like secrets (12+
 * characters mixing letters and digits) any run of 6 or more characters that begins or ends like one
 * of those forms is masked too. Masking a harmless word by chance is the cheap mistake; letting half a
 * token through is not. Identifiers resolved like secrets (a user name, a tenant's API key such as
 * "tenant-acme") stay whole-only, or every log line naming the tenant would lose it.
 */
const MARKER = '[REDACTED]';
// Query strings of presigned URLs (S3 SigV4/V2, CloudFront): the signature is the secret part.
const SIGNED_QUERY =
  /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|Key-Pair-Id|Policy)=)[^&\s"']+/gi;
const MIN_SECRET_LENGTH = 4;
/** The shortest echoed fragment of a secret that is masked. */
const MIN_FRAGMENT = 6;
/** The shortest secret whose fragments are masked (with letters and digits): shorter ones only whole. */
const TOKEN_LENGTH = 12;

export class Redactor {
  /** Every form of every secret, ASCII lower-cased, and whether its fragments are masked too. */
  private readonly forms = new Map<string, boolean>();

  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH) return;
    const fragments = isTokenLike(secret);
    for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]) {
      const key = asciiLower(form);
      this.forms.set(key, fragments || this.forms.get(key) === true);
    }
  }

  /**
   * Forgets every secret: for a process that runs unrelated jobs one after another (a test worker runs
   * one test file after the other), so one job's secrets do not mask another's words.
   */
  clear(): void {
    this.forms.clear();
  }

  redact(text: string): string {
    const lower = asciiLower(text);
    const spans: [number, number][] = [];
    for (const [form, fragments] of this.forms) {
      if (fragments && form.length >= MIN_FRAGMENT)
        spans.push(...prefixRuns(lower, form), ...suffixRuns(lower, form));
      else spans.push(...occurrences(lower, form));
    }
    return mask(text, spans).replace(SIGNED_QUERY, `$1${MARKER}`);
  }
}

/** Long enough and mixing letters with digits, as generated tokens, keys and passwords do. */
function isTokenLike(secret: string): boolean {
  return secret.length >= TOKEN_LENGTH && /[A-Za-z]/.test(secret) && /\d/.test(secret);
}

/** Where `form` occurs whole. */
function occurrences(text: string, form: string): [number, number][] {
  const spans: [number, number][] = [];
  for (let at = text.indexOf(form); at >= 0; at = text.indexOf(form, at + 1))
    spans.push([at, at + form.length]);
  return spans;
}

/** Runs of at least MIN_FRAGMENT characters that match the start of `form` (the whole of it included). */
function prefixRuns(text: string, form: string): [number, number][] {
  return occurrences(text, form.slice(0, MIN_FRAGMENT)).map(([start]) => {
    let end = start + MIN_FRAGMENT;
    while (end < text.length && end - start < form.length && text[end] === form[end - start]) end++;
    return [start, end];
  });
}

/** Runs of at least MIN_FRAGMENT characters that match the end of `form`. */
function suffixRuns(text: string, form: string): [number, number][] {
  return occurrences(text, form.slice(-MIN_FRAGMENT)).map(([, end]) => {
    let start = end - MIN_FRAGMENT;
    while (
      start > 0 &&
      end - start < form.length &&
      text[start - 1] === form[form.length - (end - start) - 1]
    )
      start--;
    return [start, end];
  });
}

/** `text` with every span replaced by a marker; overlapping or touching spans share one. */
function mask(text: string, spans: [number, number][]): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let cursor = -1;
  for (const [start, end] of spans) {
    if (start > cursor) out += `${text.slice(Math.max(cursor, 0), start)}${MARKER}`;
    cursor = Math.max(cursor, end);
  }
  return out + text.slice(cursor);
}

/** Lower-cases A–Z only, so every index in the result is the same index in the input. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

/** Process-wide: secrets are resolved once per cold start and must be masked everywhere after. */
export const redactor = new Redactor();
