/** Guardrail actions as the config gives them, and the settings every action obeys. */

/** One action on a threshold, e.g. `do: soracom.speedClass, to: s1.minimum, approval: manual`. */
export interface ActionSpec {
  /** `<provider>.<kind>` or `event`. */
  kind: string;
  /** The kind's own fields, checked by the kind. */
  params: Record<string, unknown>;
  approval: 'manual' | 'auto';
  allow?: { groups?: string[]; tags?: Record<string, string> };
}

export interface GuardrailSettings {
  /** propose: never carry anything out; act: approve links and automatic actions. */
  mode: 'propose' | 'act';
  maxPerRun: number;
  maxPerDayPerBudget: number;
  linkValidHours: number;
  undoValidHours: number;
}

/** What a config without a guardrails section gets: nothing carried out until it says mode: act. */
export const DEFAULT_GUARDRAILS: GuardrailSettings = {
  mode: 'propose',
  maxPerRun: 5,
  maxPerDayPerBudget: 3,
  linkValidHours: 24,
  undoValidHours: 24 * 7,
};

/** The kind that puts the alert on an EventBridge bus: not a provider's, and it has nothing to undo. */
export const EVENT_KIND = 'event';

/** `soracom.speedClass` → `{ provider: 'soracom', name: 'speedClass' }`; the event kind has no provider. */
export function kindParts(kind: string): { provider?: string; name: string } {
  const dot = kind.indexOf('.');
  return dot < 0 ? { name: kind } : { provider: kind.slice(0, dot), name: kind.slice(dot + 1) };
}
