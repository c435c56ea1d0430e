import type { z } from 'zod';
import { memoryLogger } from '../../lib/log/index.ts';
import { providerModule } from '../../lib/providers/registry.ts';
import type { AccountBase, ConnectContext, ProviderModule, SpendSource } from '../../lib/providers/types.ts';
import type { Clock } from '../../lib/time/clock.ts';

/**
 * One account of `module` from raw config fields, as the check builds it, with its connect context
 * (fast retries, a memory logger): for clients a provider offers beyond its SpendSource.
 */
export function accountForTest<Account extends z.ZodObject>(
  module: ProviderModule<Account>,
  fields: Record<string, unknown>,
  credentials: Record<string, string>,
  clock: Clock,
  http: ConnectContext['http'] = {},
): {
  account: z.output<Account> & AccountBase;
  context: ConnectContext;
  logger: ReturnType<typeof memoryLogger>;
} {
  const settings = module.account.parse({
    provider: module.name,
    ...fields,
    credentials: Object.fromEntries(Object.keys(credentials).map((k) => [k, `env:TEST_${k.toUpperCase()}`])),
  });
  const logger = memoryLogger();
  const account = {
    ...settings,
    id: String(fields.id ?? `${module.name}-test`),
    provider: module.name,
    baseUrl: fields.baseUrl as string | undefined,
    timeZone: String(fields.timeZone ?? module.defaultTimeZone?.(settings) ?? 'UTC'),
  };
  const context: ConnectContext = {
    clock,
    logger,
    credentials,
    http: { retry: { baseDelayMs: 5, maxDelayMs: 50, budgetMs: 10_000 }, timeoutMs: 2_000, ...http },
  };
  return { account, context, logger };
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
  const { account, context, logger } = accountForTest(module, fields, credentials, clock, http);
  return { source: module.connect(account, context), logger };
}
