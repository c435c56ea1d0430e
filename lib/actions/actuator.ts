/**
 * The port every guardrail action kind is an adapter behind: read the target's state, act on it, put
 * it back. The adapters live next to their provider (lib/providers/soracom/actuators.ts...) and are
 * listed in its module's `actuators`; this file imports nothing from HTTP or AWS.
 */
/** What an action acts on: the resource a per-resource budget held to its amount, in one account. */
export interface ActionTarget {
  /** The spendwatch account (config `accounts[].id`) whose credentials act. */
  accountId: string;
  /** The resource as the alert names it: a SIM's IMSI or SIM ID, a Kill Bill customer's external key or account UUID, a subscription UUID. */
  resourceId: string;
  resourceName?: string;
  /** The resource's kind as the reading reported it ("customer" for a Kill Bill account), when it did. */
  resourceType?: string;
}

/**
 * A target's state at one moment, as the adapter reads it: `data` is what `restore` needs to put it
 * back (plain JSON, kept in the action record and the audit log), `summary` the same for a person.
 */
export interface TargetState {
  summary: string;
  data: Record<string, unknown>;
}

/** The state, and what allow-lists look at: the provider's own groups and tags of the target. */
export interface TargetFacts {
  state: TargetState;
  /** e.g. a Soracom SIM's group ID; empty when the provider has no groups for it. */
  groups: string[];
  /** e.g. a Soracom SIM's tags, a Kill Bill account's custom fields. */
  tags: Record<string, string>;
}

/**
 * One action kind for one account. `params` are the action's own config fields (e.g. `{ to: 's1.minimum' }`),
 * already checked by `paramsSchema`. Every method throws a ProviderError (or an Error naming what failed)
 * when the provider refuses; none of them retries a write.
 */
export interface Actuator {
  /** What `apply` will do, in words, for the approval page and the alert: "slow SIM 4401… (sensor-17) to s1.minimum". */
  describe(target: ActionTarget, params: Record<string, unknown>): string;
  /** Reads the target (no writes). */
  inspect(target: ActionTarget): Promise<TargetFacts>;
  /** Acts; returns the state after. `before` is what inspect read just now. */
  apply(target: ActionTarget, params: Record<string, unknown>, before: TargetState): Promise<TargetState>;
  /** Puts `before` back; returns the state after. */
  restore(target: ActionTarget, before: TargetState): Promise<TargetState>;
}
