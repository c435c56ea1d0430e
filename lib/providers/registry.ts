import { cloudflare } from './cloudflare/index.ts';
import { fastly } from './fastly/index.ts';
import { killbill } from './killbill/index.ts';
import { soracom } from './soracom/index.ts';
import type { ProviderModule } from './types.ts';

/** Every provider spendwatch can read. Adding one: a folder under lib/providers, its import and a line here. */
export const PROVIDERS = [soracom, fastly, cloudflare, killbill] as const satisfies readonly ProviderModule[];

export type ProviderName = (typeof PROVIDERS)[number]['name'];

export function providerModule(name: string): ProviderModule {
  const module = PROVIDERS.find((p) => p.name === name);
  if (!module)
    throw new Error(`unknown provider "${name}"; known: ${PROVIDERS.map((p) => p.name).join(', ')}`);
  return module as unknown as ProviderModule;
}
