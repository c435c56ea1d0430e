import type { z } from 'zod';
import type { Actuator } from '../actions/actuator.ts';
import { cloudflare } from './cloudflare/index.ts';
import { fastly } from './fastly/index.ts';
import { killbill } from './killbill/index.ts';
import { soracom } from './soracom/index.ts';
import type {
  AccountBase,
  AccountProblem,
  ConfigCheckContext,
  ConnectContext,
  ProviderModule,
  SpendSource,
} from './types.ts';

/** Every provider spendwatch can read, by name. Adding one: a folder under lib/providers, its import and a line here. */
const MODULES = { soracom, fastly, cloudflare, killbill };

type Modules = typeof MODULES;
export type ProviderName = keyof Modules;

/**
 * The registry as dispatch sees it: under each name, that provider's module (its `name` is the key),
 * taking that provider's settings. Looking a module up by an account's `provider` keeps the pairing.
 */
const BY_NAME: { [N in ProviderName]: ProviderModule<Modules[N]['account']> & { name: N } } = MODULES;

export const PROVIDERS = Object.values(BY_NAME);

/** A provider's own account fields (its module's `account` schema, parsed), credential references included. */
export type SettingsOf<N extends ProviderName> = z.output<Modules[N]['account']>;

/** An account of provider `N` (of any provider by default), told apart by `provider`: its settings are that provider's. */
export type ProviderAccount<N extends ProviderName = ProviderName> = {
  [K in N]: AccountBase & { provider: K; settings: SettingsOf<K> };
}[N];

/** The module of a provider, for what every provider offers (its schema, its name). */
export function providerModule(name: string): ProviderModule {
  const module = PROVIDERS.find((p) => p.name === name);
  if (!module)
    throw new Error(`unknown provider "${name}"; known: ${PROVIDERS.map((p) => p.name).join(', ')}`);
  return module;
}

/**
 * The provider's settings in account fields the config schema checked: parsed again with the
 * provider's own schema (the same fields, so it cannot fail), which gives them their type.
 */
export function settingsOf<N extends ProviderName>(fields: { provider: N }): SettingsOf<N> {
  return parseSettings(BY_NAME[fields.provider], fields);
}

function parseSettings<Account extends z.ZodObject>(module: ProviderModule<Account>, fields: unknown) {
  return module.account.parse(fields);
}

/** The time zone the account's provider bills it in when the config names none, if the provider has one. */
export function defaultTimeZone<N extends ProviderName>(
  provider: N,
  settings: SettingsOf<N>,
): string | undefined {
  return BY_NAME[provider].defaultTimeZone?.(settings);
}

/** How often the account's provider would have it read when the config does not say, if it has a default. */
export function defaultReadEveryMinutes<N extends ProviderName>(
  provider: N,
  settings: SettingsOf<N>,
): number | undefined {
  return BY_NAME[provider].defaultReadEveryMinutes?.(settings);
}

/** The problems the account's provider finds in it beyond its schema; paths are relative to the account. */
export function accountProblems<N extends ProviderName>(
  account: ProviderAccount<N>,
  context: ConfigCheckContext,
): AccountProblem[] {
  return BY_NAME[account.provider].configProblems?.(account.settings, context) ?? [];
}

/**
 * Why a scope cannot select anything in `provider`'s readings, per scope field it uses, with what the
 * provider's readings do carry; empty when every field can match.
 */
export function impossibleScope(
  provider: ProviderName,
  fields: string[],
): { field: string; message: string }[] {
  const scopes = BY_NAME[provider].scopes;
  const possible = Object.entries(scopes).map(([field, what]) => `${field} (${what})`);
  return fields
    .filter((field) => !(field in scopes))
    .map((field) => ({
      field,
      message: `${provider} readings carry no ${field}, so this scope would select nothing and read zero; ${provider} budgets can be scoped by ${possible.join(', ') || 'nothing'}`,
    }));
}

/** The currency the account certainly bills in, if its settings tell. */
export function knownCurrency<N extends ProviderName>(account: ProviderAccount<N>): string | undefined {
  return BY_NAME[account.provider].knownCurrency?.(account.settings);
}

/** The account as its provider's module takes it: its settings with the common fields. */
export function providerAccount<N extends ProviderName>(
  account: ProviderAccount<N>,
): SettingsOf<N> & AccountBase {
  return { ...account.settings, ...account };
}

/** Connects an account to its provider's API. */
export function connectAccount<N extends ProviderName>(
  account: ProviderAccount<N>,
  context: ConnectContext,
): SpendSource {
  return BY_NAME[account.provider].connect(providerAccount(account), context);
}

/** Every provider action kind, as a config writes it (`soracom.speedClass`). */
export function providerActionKinds(): string[] {
  return PROVIDERS.flatMap((p) => Object.keys(p.actuators ?? {}).map((name) => `${p.name}.${name}`));
}

/** The action kind `name` of `provider` (its params schema and what it acts on), if it has one. */
export function actuatorKind(provider: string, name: string) {
  return PROVIDERS.find((p) => p.name === provider)?.actuators?.[name];
}

/** Connects an account's action kind `name` to its provider's API; throws when the provider has no such kind. */
export function connectActuator<N extends ProviderName>(
  account: ProviderAccount<N>,
  name: string,
  context: ConnectContext,
): Actuator {
  const kind = BY_NAME[account.provider].actuators?.[name];
  if (!kind) throw new Error(`${account.provider} has no guardrail action "${name}"`);
  return kind.connect(providerAccount(account), context);
}
