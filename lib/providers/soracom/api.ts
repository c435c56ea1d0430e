import type { z } from 'zod';
import type { Endpoint, HttpReply, ProviderHttp } from '../../http/index.ts';
import { redactor } from '../../log/index.ts';
import { accountHttp } from '../account-http.ts';
import type { ConnectContext } from '../types.ts';
import { SORACOM_BASE_URLS, type SoracomAccount } from './account.ts';
import { AuthResponse } from './schemas.ts';

interface Session {
  apiKey: string;
  token: string;
  /** Optional in Soracom's definition: only the billing-CSV export needs it. */
  operatorId: string | undefined;
}

const SIGN_IN = { method: 'POST', path: '/auth', label: 'POST /auth' } as const;

// API key + token live for 24 h; keep them across runs in one Lambda container, keyed by platform and
// key ID, so every client of the same account (spend source, exports) signs in once.
const sessions = new Map<string, Promise<Session>>();

/**
 * One Soracom account's API client: the shared HTTP session (retries, Soracom's rate-limit header,
 * GET memo) plus the AuthKey sign-in with its process-wide token cache.
 */
export class SoracomApi {
  readonly http: ProviderHttp;
  private readonly sessionKey: string;

  constructor(
    private readonly account: SoracomAccount,
    private readonly context: ConnectContext,
  ) {
    const baseUrl = account.baseUrl ?? SORACOM_BASE_URLS[account.coverage];
    this.sessionKey = `${baseUrl}|${context.credentials.authKeyId}`;
    this.http = accountHttp('soracom', account, baseUrl, context, {
      // Soracom tells how long until the per-minute window refreshes.
      rateLimitDelayMs: (headers) => {
        const seconds = Number(headers.get('x-soracom-ratelimit-seconds-before-refresh'));
        return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
      },
    });
  }

  /** A 2xx body matching `schema`; `sensitive` keeps received values out of contract errors. */
  async json<S extends z.ZodType>(
    endpoint: Endpoint,
    schema: S,
    options: { sensitive?: boolean } = {},
  ): Promise<z.output<S>> {
    return this.http.okBody(endpoint, await this.send(endpoint), schema, options.sensitive);
  }

  /** Like `json`, for endpoints where 404 documents "nothing for that month" rather than a fault. */
  async optional<S extends z.ZodType>(endpoint: Endpoint, schema: S): Promise<z.output<S> | undefined> {
    const reply = await this.send(endpoint);
    if (reply.status === 404) return undefined;
    this.http.expectOk(endpoint, reply);
    return this.http.decode(endpoint, schema, reply.body);
  }

  /** Sends with the cached session; on 401 signs in again once (the token may have expired). */
  async send(endpoint: Endpoint): Promise<HttpReply> {
    const first = await this.http.send({ ...endpoint, headers: sessionHeaders(await this.session()) });
    if (first.status !== 401) return first;
    this.context.logger.info('soracom token rejected, signing in again', {
      account: this.account.id,
      endpoint: endpoint.label,
    });
    sessions.delete(this.sessionKey);
    return this.http.send({ ...endpoint, headers: sessionHeaders(await this.session()) });
  }

  /**
   * The operator (Soracom account) the AuthKey belongs to, e.g. "OP0012345678". Reads sign in without
   * it; a sign-in that names none fails only what needs it.
   */
  async operatorId(): Promise<string> {
    const { operatorId } = await this.session();
    if (operatorId !== undefined) return operatorId;
    throw this.http.error(
      SIGN_IN,
      'invalid-response',
      "Soracom's sign-in named no operatorId, which the billing-CSV export needs (exports are filed under it, and chargeback tracking IDs name it)",
    );
  }

  private session(): Promise<Session> {
    let session = sessions.get(this.sessionKey);
    if (!session) {
      session = this.signIn();
      sessions.set(this.sessionKey, session);
      session.catch(() => sessions.delete(this.sessionKey));
    }
    return session;
  }

  private async signIn(): Promise<Session> {
    const endpoint: Endpoint = {
      ...SIGN_IN,
      json: { authKeyId: this.context.credentials.authKeyId, authKey: this.context.credentials.authKey },
    };
    const reply = await this.http.send(endpoint);
    if (reply.status === 401 || reply.status === 403) {
      throw this.http.error(
        endpoint,
        'auth',
        'Soracom rejected the AuthKey; check authKeyId/authKey and that the key belongs to this coverage',
        reply.status,
      );
    }
    this.http.expectOk(endpoint, reply);
    const auth = this.http.decode(endpoint, AuthResponse, reply.body, true);
    redactor.add(auth.token);
    redactor.add(auth.apiKey);
    return { apiKey: auth.apiKey, token: auth.token, operatorId: auth.operatorId };
  }
}

function sessionHeaders(session: Session): Record<string, string> {
  return { 'X-Soracom-API-Key': session.apiKey, 'X-Soracom-Token': session.token };
}

/** Exposed for tests that need a clean cache between simulated token expiries. */
export function forgetSoracomSessions(): void {
  sessions.clear();
}
