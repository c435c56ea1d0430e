import { expect } from 'vitest';
import type { z } from 'zod';
import { ProviderError } from '../../lib/http/index.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { providerModule } from '../../lib/providers/registry.ts';
import type { AccountBase, ConnectContext, ProviderModule, SpendSource } from '../../lib/providers/types.ts';
import type { Clock } from '../../lib/time/clock.ts';

/** An account of `module` from raw config fields, as the config loader builds it. */
export function accountForTest<M extends ProviderModule>(
  module: M,
  fields: Record<string, unknown>,
  credentials: Record<string, string>,
): z.output<M['account']> & AccountBase {
  const settings = module.account.parse({
    provider: module.name,
    ...fields,
    credentials: Object.fromEntries(Object.keys(credentials).map((k) => [k, `env:TEST_${k.toUpperCase()}`])),
  }) as z.output<M['account']>;
  return {
    ...settings,
    id: String(fields.id ?? `${module.name}-test`),
    provider: module.name,
    baseUrl: fields.baseUrl as string | undefined,
    timeZone: String(fields.timeZone ?? module.defaultTimeZone?.(settings) ?? 'UTC'),
  };
}

/** The context the check passes to providers, with a memory logger and fast retries. */
export function contextForTest(
  credentials: Record<string, string>,
  clock: Clock,
  http: ConnectContext['http'] = {},
): ConnectContext & { logger: ReturnType<typeof memoryLogger> } {
  return {
    clock,
    logger: memoryLogger(),
    credentials,
    http: { retry: { baseDelayMs: 5, maxDelayMs: 50, budgetMs: 10_000 }, timeoutMs: 2_000, ...http },
  };
}

/** Connects one account of `provider` from raw config fields, as the check does, with fast retries. */
export function connectForTest(
  provider: string,
  fields: Record<string, unknown>,
  credentials: Record<string, string>,
  clock: Clock,
  http: ConnectContext['http'] = {},
): { source: SpendSource; logger: ReturnType<typeof memoryLogger> } {
  const module = providerModule(provider);
  const context = contextForTest(credentials, clock, http);
  const source = module.connect(accountForTest(module, fields, credentials), context);
  return { source, logger: context.logger };
}

/** The ProviderError `promise` rejects with; the test fails if it resolves or rejects with anything else. */
export async function providerErrorOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => expect.unreachable('expected a ProviderError'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}
