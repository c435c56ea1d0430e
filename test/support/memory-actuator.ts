/**
 * An in-memory adapter of the Actuator port (lib/actions/actuator.ts) for unit tests: it keeps each
 * target's setting, groups and tags, sets the setting to `params.to` on apply and puts the recorded one
 * back on restore, counts every call, and can be told to fail the next applies or restores.
 */
import type { ActionTarget, Actuator, TargetFacts, TargetState } from '../../lib/actions/actuator.ts';

interface MemoryTarget {
  setting: string;
  groups: string[];
  tags: Record<string, string>;
}

export class MemoryActuator implements Actuator {
  private readonly targets = new Map<string, MemoryTarget>();
  readonly calls = { inspect: 0, apply: 0, restore: 0 };
  /** How many of the next calls throw, and with what message. */
  private failing = { apply: 0, restore: 0, message: '' };

  /** A target as the provider would hold it; `setting` is what apply changes. */
  add(resourceId: string, target: Partial<MemoryTarget> = {}): this {
    this.targets.set(resourceId, { setting: 'fast', groups: [], tags: {}, ...target });
    return this;
  }

  /** The target's setting now. */
  settingOf(resourceId: string): string | undefined {
    return this.targets.get(resourceId)?.setting;
  }

  /** The next `times` calls of `operation` throw `message` (a provider refusing). */
  failNext(operation: 'apply' | 'restore', message: string, times = 1): void {
    this.failing = { ...this.failing, [operation]: times, message };
  }

  /** apply + restore: the writes, the ones a test counts to say "acted once". */
  get writes(): number {
    return this.calls.apply + this.calls.restore;
  }

  describe(target: ActionTarget, params: Record<string, unknown>): string {
    return `set ${target.resourceName ?? target.resourceId} to ${String(params.to)}`;
  }

  async inspect(target: ActionTarget): Promise<TargetFacts> {
    this.calls.inspect++;
    const held = this.held(target);
    return { state: stateOf(held.setting), groups: [...held.groups], tags: { ...held.tags } };
  }

  async apply(
    target: ActionTarget,
    params: Record<string, unknown>,
    _before: TargetState,
  ): Promise<TargetState> {
    this.calls.apply++;
    this.maybeFail('apply');
    const held = this.held(target);
    held.setting = String(params.to);
    return stateOf(held.setting);
  }

  async restore(target: ActionTarget, before: TargetState): Promise<TargetState> {
    this.calls.restore++;
    this.maybeFail('restore');
    const held = this.held(target);
    held.setting = String(before.data.setting);
    return stateOf(held.setting);
  }

  private held(target: ActionTarget): MemoryTarget {
    const held = this.targets.get(target.resourceId);
    if (!held) throw new Error(`no resource ${target.resourceId} in account ${target.accountId}`);
    return held;
  }

  private maybeFail(operation: 'apply' | 'restore'): void {
    if (this.failing[operation] <= 0) return;
    this.failing[operation]--;
    throw new Error(this.failing.message);
  }
}

function stateOf(setting: string): TargetState {
  return { summary: `setting ${setting}`, data: { setting } };
}
