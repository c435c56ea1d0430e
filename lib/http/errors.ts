export type ProviderErrorKind =
  | 'http' // a non-retryable status the client did not expect
  | 'auth' // 401/403: credentials missing, wrong or without the permission
  | 'not-found'
  | 'network' // reset, refused, DNS
  | 'timeout'
  | 'invalid-response' // body not JSON or not matching the contract
  | 'job-failed' // the provider reports that an asynchronous job (an export) failed
  | 'redirect' // a redirect spendwatch does not follow: to another origin, a loop, or too many hops
  | 'insecure' // credentials would go over plain http to a host that is not this machine
  | 'retries-exhausted'; // 429/5xx until the attempt limit or the account's time budget ran out

/**
 * A provider call that failed. The message names provider, account, endpoint and status and tells
 * what to do; it never contains a credential, token or presigned URL (endpoints are path templates).
 */
export class ProviderError extends Error {
  readonly provider: string;
  readonly accountId: string;
  readonly endpoint: string;
  readonly kind: ProviderErrorKind;
  readonly status: number | undefined;
  /** What went wrong and what to do, without the provider/account/endpoint prefix of `message`. */
  readonly detail: string;
  readonly attempts: number;

  constructor(init: {
    provider: string;
    accountId: string;
    endpoint: string;
    kind: ProviderErrorKind;
    detail: string;
    status?: number;
    attempts?: number;
  }) {
    const status = init.status === undefined ? '' : ` (HTTP ${init.status})`;
    super(`${init.provider} account "${init.accountId}": ${init.endpoint}${status}: ${init.detail}`);
    this.name = 'ProviderError';
    this.provider = init.provider;
    this.accountId = init.accountId;
    this.endpoint = init.endpoint;
    this.kind = init.kind;
    this.status = init.status;
    this.detail = init.detail;
    this.attempts = init.attempts ?? 1;
  }

  /** Fields for structured logs and metrics. */
  toLogFields(): Record<string, unknown> {
    return {
      provider: this.provider,
      account: this.accountId,
      endpoint: this.endpoint,
      kind: this.kind,
      status: this.status,
      attempts: this.attempts,
      error: this.message,
    };
  }
}
