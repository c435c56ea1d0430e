/**
 * The check's first stage: every account read once, a few at a time per provider, or its kept reading
 * taken when it is not due (`readEveryMinutes`). A read never throws: an unreadable account is an outcome.
 */

import { groupBy } from '../collections/group-by.ts';
import { mapLimit } from '../concurrency/map-limit.ts';
import type { Account, Config } from '../config/config.ts';
import { ProviderError } from '../http/index.ts';
import { connectAccount } from '../providers/registry.ts';
import type { ReadNeeds } from '../providers/types.ts';
import type { PeriodSpend } from '../spend/index.ts';
import { implausibleSpend } from '../spend/plausible.ts';
import { monthlyPeriod } from '../time/period.ts';
import { errorMessage } from './error-message.ts';
import { readNeedsOf } from './read-needs.ts';
import type { AccountOutcome, CheckContext } from './types.ts';

/** Each account's outcome, by account id, in the order of `accounts`. */
export async function readAccounts(
  check: CheckContext,
  config: Config,
  accounts: Account[],
): Promise<Map<string, AccountOutcome>> {
  const { options, deps } = check;
  await deps.secrets.prefetch(accounts.flatMap((account) => Object.values(account.credentials)));
  let read = 0;
  options.onAccountRead?.(read, accounts.length);
  // `concurrency` accounts of each provider at once: as polite to each provider as one queue for all,
  // without the providers waiting on each other.
  const byProvider = groupBy(accounts, (account) => [account.provider]);
  const settled = new Map<string, AccountOutcome>();
  await Promise.all(
    [...byProvider.values()].map(async (group) => {
      const outcomes = await mapLimit(group, options.concurrency ?? 8, (account) =>
        readOrKeep(check, account, readNeedsOf(config, account.id)).finally(() =>
          options.onAccountRead?.(++read, accounts.length),
        ),
      );
      outcomes.forEach((outcome, i) => {
        const account = group[i]!;
        settled.set(
          account.id,
          outcome.status === 'fulfilled'
            ? outcome.value
            : { account, status: 'error', error: outcome.reason as Error },
        );
      });
    }),
  );
  return new Map(accounts.map((account) => [account.id, settled.get(account.id)!]));
}

/**
 * Reads the account, or, when it has `readEveryMinutes` and was read more recently than that in the
 * same period, takes its kept reading. Dry runs always read and keep nothing.
 */
async function readOrKeep(check: CheckContext, account: Account, needs: ReadNeeds): Promise<AccountOutcome> {
  const { deps, options, now } = check;
  const cache = account.readEveryMinutes && !options.dryRun ? deps.keptReadings : undefined;
  if (!cache) return readAccount(check, account, needs);
  const log = deps.logger.child({ provider: account.provider, account: account.id });
  const kept = await cache.get(account.id).catch((error: unknown) => {
    log.warn('kept reading unusable; reading the account', { error: errorMessage(error) });
    return undefined;
  });
  const age = kept ? now.getTime() - kept.readAt.getTime() : Number.POSITIVE_INFINITY;
  // A reading of another period (a month just ended) is never kept.
  if (
    kept &&
    age >= 0 &&
    age < account.readEveryMinutes! * 60_000 &&
    now >= kept.spend.BillingPeriodStart &&
    now < kept.spend.BillingPeriodEnd
  ) {
    log.info('account not due; evaluating its kept reading', {
      readAt: kept.readAt.toISOString(),
      asOf: kept.spend.asOf.toISOString(),
    });
    return {
      account,
      status: 'ok',
      spend: await enriched(check, account, kept.spend, needs),
      keptFrom: kept.readAt,
    };
  }
  return readAccount(check, account, needs, async (spend) => {
    await cache.put(account.id, now, spend).catch((error: unknown) => {
      // The next run reads the account again: nothing is lost but an API call.
      log.warn('reading could not be kept', { error: errorMessage(error) });
    });
  });
}

async function enriched(check: CheckContext, account: Account, spend: PeriodSpend, needs: ReadNeeds) {
  return check.deps.enrich ? check.deps.enrich(account, spend, needs) : spend;
}

/** Reads the account from its provider; `keep` is given the reading before it is enriched. */
async function readAccount(
  check: CheckContext,
  account: Account,
  needs: ReadNeeds,
  keep?: (spend: PeriodSpend) => Promise<void>,
): Promise<AccountOutcome> {
  const { deps, now } = check;
  const log = deps.logger.child({ provider: account.provider, account: account.id });
  try {
    const read = (credentials: Record<string, string>) =>
      connectAccount(account, { clock: deps.clock, logger: log, credentials, http: deps.http ?? {} }).read({
        period: monthlyPeriod(now, account.timeZone, account.periodStartDay),
        needs,
      });
    const credentials = await deps.secrets.resolveAll(account.credentials);
    const reading = await read(credentials).catch(async (error: unknown) => {
      // Refused credentials may have been rotated since they were cached: ask the store once more, and
      // read again only if it now holds something else (the same values would be refused again).
      if (!(error instanceof ProviderError && error.kind === 'auth')) throw error;
      deps.secrets.forget(Object.values(account.credentials));
      const current = await deps.secrets.resolveAll(account.credentials);
      if (Object.keys(current).every((key) => current[key] === credentials[key])) throw error;
      log.info('provider refused the cached credentials; reading again with the rotated ones', {
        endpoint: error.endpoint,
      });
      return read(current);
    });
    if (reading.status === 'pending') {
      log.warn('provider data not ready yet', { endpoint: reading.endpoint, reason: reading.reason });
      return { account, status: 'pending', reason: reading.reason, endpoint: reading.endpoint };
    }
    const implausible = implausibleSpend(reading.spend);
    if (implausible)
      throw new ProviderError({
        provider: account.provider,
        accountId: account.id,
        endpoint: reading.spend.sources[0] ?? 'the reading',
        kind: 'invalid-response',
        detail: `${implausible}; not read as a bill`,
      });
    log.info('account read', {
      spent: reading.spend.BilledCost?.toString(),
      asOf: reading.spend.asOf.toISOString(),
      sources: reading.spend.sources,
    });
    await keep?.(reading.spend);
    return { account, status: 'ok', spend: await enriched(check, account, reading.spend, needs) };
  } catch (error) {
    const fields = error instanceof ProviderError ? error.toLogFields() : { error: (error as Error).message };
    log.error('account could not be read', fields);
    return { account, status: 'error', error: error as Error };
  }
}
