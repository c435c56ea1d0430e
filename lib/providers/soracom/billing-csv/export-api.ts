import { setTimeout as delay } from 'node:timers/promises';
import { type Endpoint, ProviderError, type ProviderErrorKind } from '../../../http/index.ts';
import { redactor } from '../../../log/index.ts';
import type { ConnectContext } from '../../types.ts';
import type { SoracomAccount } from '../account.ts';
import { SoracomApi } from '../api.ts';
import { AsyncExport, ExportedFile, SyncExport } from '../schemas.ts';

export type ExportMode = 'sync' | 'async';
/** A presigned download link; a secret (registered with the redactor), never logged. */
export interface ExportUrl {
  url: string;
}
export interface ExportJob {
  exportedFileId: string;
  exportedFilePath: string;
}
export interface WaitForExportOptions {
  /** Pause between polls of the job's status. */
  pollIntervalMs?: number;
  /** Give up (with a "still processing" error) once this long has passed. */
  timeoutMs?: number;
}

const DEFAULT_POLL_INTERVAL_MS = 5_000;
const DEFAULT_WAIT_TIMEOUT_MS = 120_000;
// Presigned links are fetched without our HTTP client (no auth headers, a streamed body): the label
// stands in for the URL in errors, which must never carry it.
const DOWNLOAD_LABEL = 'GET {presigned export URL}';

/**
 * The Detailed Billing CSV of a Soracom account: ask for an export, wait for an asynchronous one,
 * stream the file. Shares the account's sign-in (token cache) with the spend source.
 */
export class SoracomExports {
  private readonly api: SoracomApi;
  private readonly sleep: (ms: number) => Promise<unknown>;

  constructor(
    private readonly account: SoracomAccount,
    private readonly context: ConnectContext,
  ) {
    this.api = new SoracomApi(account, context);
    this.sleep = context.http.sleep ?? delay;
  }

  /** The operator the account's AuthKey signs in as; exports are filed under it. */
  operatorId(): Promise<string> {
    return this.api.operatorId();
  }

  /**
   * Starts an export of the current month ('latest', preliminary figures) or of a finalised month
   * (yyyyMM). `sync` answers with the download URL; `async` with a job for `waitForExport`, the
   * mode Soracom recommends for large files. A month without a bill is a `not-found` error.
   */
  requestExport(month: 'latest' | string, mode: 'sync'): Promise<ExportUrl>;
  requestExport(month: 'latest' | string, mode: 'async'): Promise<ExportJob>;
  async requestExport(month: 'latest' | string, mode: ExportMode): Promise<ExportUrl | ExportJob> {
    if (month !== 'latest' && !/^\d{6}$/.test(month)) {
      throw new RangeError(`"${month}" is not a month; write it as yyyyMM or 'latest'`);
    }
    const searchParams = { export_mode: mode };
    const endpoint: Endpoint =
      month === 'latest'
        ? { method: 'POST', path: '/bills/latest/export', label: 'POST /bills/latest/export', searchParams }
        : {
            method: 'POST',
            path: `/bills/${month}/export`,
            label: 'POST /bills/{yyyyMM}/export',
            searchParams,
          };
    const reply = await this.api.send(endpoint);
    if (reply.status === 404 && month !== 'latest') {
      throw this.api.http.error(
        endpoint,
        'not-found',
        'Soracom has no bill for that month: it is not finalised yet (closing takes 1-3 business days) or nothing was charged',
        404,
      );
    }
    this.api.http.expectOk(endpoint, reply);
    if (mode === 'async') return this.api.http.decode(endpoint, AsyncExport, reply.body);
    return this.secretUrl(this.api.http.decode(endpoint, SyncExport, reply.body, true).url);
  }

  /** Polls an asynchronous export until Soracom has written the file; answers its download URL. */
  async waitForExport(exportedFileId: string, options: WaitForExportOptions = {}): Promise<ExportUrl> {
    const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    const endpoint: Endpoint = {
      method: 'GET',
      path: `/files/exported/${encodeURIComponent(exportedFileId)}`,
      label: 'GET /files/exported/{exported_file_id}',
      noMemo: true, // the status changes between polls
    };
    const deadline = performance.now() + timeoutMs;
    for (let poll = 1; ; poll++) {
      const file = await this.api.json(endpoint, ExportedFile, { sensitive: true });
      if (file.status === 'exported') {
        if (!file.url) {
          throw this.api.http.error(
            endpoint,
            'invalid-response',
            'status is "exported" but no url came with it',
          );
        }
        return this.secretUrl(file.url);
      }
      if (file.status === 'failed') {
        throw this.api.http.error(
          endpoint,
          'job-failed',
          'Soracom reports the export failed; request a new one',
        );
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw this.api.http.error(
          endpoint,
          'timeout',
          `the export is still processing after ${timeoutMs} ms (${poll} polls); wait for it again later, or export a smaller month`,
        );
      }
      this.context.logger.debug('soracom export still processing', { account: this.account.id, poll });
      await this.sleep(Math.min(pollIntervalMs, remaining));
    }
  }

  /**
   * Streams the exported CSV (UTF-8 with BOM) from its presigned URL. No Soracom credentials are
   * sent there. The timeout covers the answer's headers; reading the body is up to the caller.
   */
  async downloadExport(url: string): Promise<ReadableStream<Uint8Array>> {
    redactor.add(url);
    if (!URL.canParse(url)) throw this.downloadError('invalid-response', 'the export URL is not a valid URL');
    const timeoutMs = this.context.http.timeoutMs ?? 15_000;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    let response: Response;
    try {
      response = await (this.context.http.fetch ?? fetch)(url, { signal: abort.signal });
    } catch (error) {
      // Never the error's message: fetch puts the URL in some of them ("Failed to parse URL from ...").
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      throw abort.signal.aborted
        ? this.downloadError('timeout', `no answer within ${timeoutMs} ms`)
        : this.downloadError('network', `network error: ${typeof code === 'string' ? code : 'unreachable'}`);
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw response.status === 403
        ? this.downloadError(
            'auth',
            'the download link was refused; presigned links expire, request a new export',
            403,
          )
        : this.downloadError('http', 'unexpected status downloading the export', response.status);
    }
    if (!response.body) throw this.downloadError('invalid-response', 'the export download has no body');
    return response.body;
  }

  private secretUrl(url: string): ExportUrl {
    redactor.add(url);
    return { url };
  }

  private downloadError(kind: ProviderErrorKind, detail: string, status?: number): ProviderError {
    return new ProviderError({
      provider: 'soracom',
      accountId: this.account.id,
      endpoint: DOWNLOAD_LABEL,
      kind,
      detail,
      status,
    });
  }
}
