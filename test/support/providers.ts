import { memoryLogger } from '../../lib/log/index.ts';
import { providerModule } from '../../lib/providers/registry.ts';
import type { ConnectContext, SpendSource } from '../../lib/providers/types.ts';
import type { Clock } from '../../lib/time/clock.ts';

/** Connects one account of `provider` from raw config fields, as the check does, with fast retries. */
export function connectForTest(
  provider: string,
  fields: Record<string, unknown>,
  credentials: Record<string, string>,
  clock: Clock,
  http: ConnectContext['http'] = {},
): { source: SpendSource; logger: ReturnType<typeof memoryLogger> } {
  const module = providerModule(provider);
  const settings = module.account.parse({
    provider,
    ...fields,
    credentials: Object.fromEntries(Object.keys(credentials).map((k) => [k, `env:TEST_${k.toUpperCase()}`])),
  });
  const logger = memoryLogger();
  const account = {
    ...settings,
    id: String(fields.id ?? `${provider}-test`),
    provider,
    baseUrl: fields.baseUrl as string | undefined,
    timeZone: String(fields.timeZone ?? module.defaultTimeZone?.(settings) ?? 'UTC'),
  };
  const source = module.connect(account, {
    clock,
    logger,
    credentials,
    http: { retry: { baseDelayMs: 5, maxDelayMs: 50, budgetMs: 10_000 }, timeoutMs: 2_000, ...http },
  });
  return { source, logger };
}
