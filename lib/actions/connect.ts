/** The adapter of an action kind for one account of a config, its credentials resolved when asked for. */
import type { Account } from '../config/config.ts';
import type { Logger } from '../log/index.ts';
import { connectActuator } from '../providers/registry.ts';
import type { ConnectContext } from '../providers/types.ts';
import type { SecretResolver } from '../secrets/index.ts';
import type { Clock } from '../time/clock.ts';
import type { Actuator } from './actuator.ts';
import { kindParts } from './spec.ts';

export interface ActuatorSource {
  accounts: readonly Account[];
  secrets: SecretResolver;
  clock: Clock;
  logger: Logger;
  http?: ConnectContext['http'];
}

export function actuatorsOf(source: ActuatorSource): (kind: string, accountId: string) => Promise<Actuator> {
  return async (kind, accountId) => {
    const account = source.accounts.find((a) => a.id === accountId);
    if (!account)
      throw new Error(`the config has no account "${accountId}" any more, so ${kind} cannot act on it`);
    const { provider, name } = kindParts(kind);
    if (provider !== account.provider)
      throw new Error(
        `${kind} acts on ${provider} accounts, and "${accountId}" is a ${account.provider} account`,
      );
    const credentials = await source.secrets.resolveAll(account.credentials);
    return connectActuator(account, name, {
      clock: source.clock,
      logger: source.logger.child({ account: accountId, action: kind }),
      credentials,
      http: source.http ?? {},
    });
  };
}
