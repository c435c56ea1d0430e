/**
 * Replaces secret values with a marker before text leaves the process (logs, alerts, errors).
 * Every resolved credential is registered here; presigned-URL signatures are masked by pattern.
 */
const MARKER = '[REDACTED]';
// Query strings of presigned URLs (S3 SigV4/V2, CloudFront): the signature is the secret part.
const SIGNED_QUERY =
  /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|Key-Pair-Id|Policy)=)[^&\s"']+/gi;
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    if (secret && secret.length >= MIN_SECRET_LENGTH) this.secrets.add(secret);
  }

  redact(text: string): string {
    // Registered secrets first: a registered presigned URL must match whole, before its signature is masked.
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(MARKER);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join(MARKER);
    }
    return out.replace(SIGNED_QUERY, `$1${MARKER}`);
  }
}

/** Process-wide: secrets are resolved once per cold start and must be masked everywhere after. */
export const redactor = new Redactor();
