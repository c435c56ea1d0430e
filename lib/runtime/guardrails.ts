/**
 * Guardrails as a deployment (or the CLI) runs them: action records and the audit log in the state
 * store, links signed with the key SPENDWATCH_ACTION_KEY_REF points at and pointing at
 * SPENDWATCH_ACTIONS_URL, actions carried out with the config's accounts and their credentials.
 */

import { AuditLog } from '../actions/audit.ts';
import { actuatorsOf } from '../actions/connect.ts';
import type { EventSink } from '../actions/event-sink.ts';
import { Guardrails } from '../actions/guardrails.ts';
import { ActionBook } from '../actions/records.ts';
import { LinkSigner } from '../actions/token.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../log/index.ts';
import type { AlertPublisher } from '../notify/publisher.ts';
import type { ConnectContext } from '../providers/types.ts';
import type { SecretResolver } from '../secrets/index.ts';
import type { ObjectStore } from '../state/store.ts';
import type { Clock } from '../time/clock.ts';

export interface GuardrailRuntime {
  store: ObjectStore;
  clock: Clock;
  logger: Logger;
  secrets: SecretResolver;
  /** Where notices of actions taken go. */
  publisher: AlertPublisher;
  events?: EventSink;
  /** The actionLink function's URL; without it (or the key) manual actions are approved with the CLI. */
  actionsUrl?: string;
  signingKeyRef?: string;
  http?: ConnectContext['http'];
  onFailure?: (kind: string) => void;
}

/** What a function has that guardrails use: its clock, logger, secrets, alert topic, bus and metrics. */
interface FunctionAdapters {
  clock: Clock;
  logger: Logger;
  secrets: SecretResolver;
  publisher: AlertPublisher;
  events?: EventSink;
  metrics?: { actionFailed(action: { kind: string }): void };
  env: { SPENDWATCH_ACTION_KEY_REF?: string };
}

/** Guardrails as a deployed function runs them: its adapters, the state bucket, links to `actionsUrl`. */
export function deployedGuardrails(
  deps: FunctionAdapters,
  store: ObjectStore,
  actionsUrl: string | undefined,
): GuardrailRuntime {
  return {
    store,
    clock: deps.clock,
    logger: deps.logger,
    secrets: deps.secrets,
    publisher: deps.publisher,
    ...(deps.events && { events: deps.events }),
    ...(actionsUrl && { actionsUrl }),
    ...(deps.env.SPENDWATCH_ACTION_KEY_REF && { signingKeyRef: deps.env.SPENDWATCH_ACTION_KEY_REF }),
    onFailure: (kind) => deps.metrics?.actionFailed({ kind }),
  };
}

/** Whether any threshold of the config has an action: only then are keys fetched and records kept. */
export function hasActions(config: Config): boolean {
  return config.budgets.some((budget) => budget.thresholds.some((t) => (t.actions?.length ?? 0) > 0));
}

/** The config's guardrails; links only when both the URL and a usable signing key are there. */
export async function guardrailsFor(config: Config, runtime: GuardrailRuntime): Promise<Guardrails> {
  return new Guardrails({
    book: new ActionBook(runtime.store),
    audit: new AuditLog(runtime.store),
    clock: runtime.clock,
    logger: runtime.logger,
    settings: config.guardrails,
    links: await linksOf(runtime),
    actuator: actuatorsOf({ ...runtime, accounts: config.accounts }),
    notices: runtime.publisher,
    ...(runtime.events && { events: runtime.events }),
    ...(runtime.onFailure && { onFailure: runtime.onFailure }),
  });
}

/** The link settings; a key that cannot be had is logged, and manual actions then name the CLI instead. */
export async function linksOf(
  runtime: GuardrailRuntime,
): Promise<{ baseUrl: string; signer: LinkSigner } | undefined> {
  const { actionsUrl, signingKeyRef } = runtime;
  if (!actionsUrl || !signingKeyRef) return undefined;
  try {
    return { baseUrl: actionsUrl, signer: new LinkSigner(await runtime.secrets.resolve(signingKeyRef)) };
  } catch (error) {
    runtime.logger.error('action links are off: the signing key cannot be used; approve with the CLI', {
      signingKeyRef,
      error: (error as Error).message,
    });
    return undefined;
  }
}
