import { ProviderHttp, type ProviderHttpOptions } from '../http/index.ts';
import type { ConnectContext } from './types.ts';

/**
 * One account's HTTP client: the check's clock, logger and HTTP settings (timeouts, retry budget, test
 * hooks), with what the provider adds (its authentication headers, its rate-limit rule).
 */
export function accountHttp(
  provider: string,
  account: { id: string },
  baseUrl: string,
  context: ConnectContext,
  own: Pick<ProviderHttpOptions, 'headers' | 'rateLimitDelayMs'>,
): ProviderHttp {
  return new ProviderHttp({
    provider,
    accountId: account.id,
    baseUrl,
    clock: context.clock,
    logger: context.logger,
    ...context.http,
    ...own,
  });
}
