/**
 * The audit log of guardrail actions: one object per event, never rewritten, at
 * `audit/{UTC day}/{budget}/{instant}-{action id}-{event}.json`. Who (the check, a link's token id and
 * source IP, a CLI user), when, what, and the target's state before and after.
 */
import type { ObjectStore } from '../state/store.ts';
import type { TargetState } from './actuator.ts';
import type { ActionRecord, Actor } from './records.ts';

export type AuditEvent =
  | 'proposed'
  | 'limited'
  | 'executed'
  | 'failed'
  | 'refused'
  | 'undone'
  | 'undo-failed';

export interface AuditEntry {
  version: 1;
  at: string;
  event: AuditEvent;
  action: string;
  kind: string;
  budget: string;
  description: string;
  target?: ActionRecord['target'];
  params: Record<string, unknown>;
  by: Actor;
  before?: TargetState;
  after?: TargetState;
  /** Why it failed, was refused or was limited. */
  reason?: string;
}

export class AuditLog {
  constructor(private readonly store: ObjectStore) {}

  async write(
    record: ActionRecord,
    event: AuditEvent,
    at: Date,
    by: Actor,
    extra: Pick<AuditEntry, 'before' | 'after' | 'reason'> = {},
  ): Promise<void> {
    const entry: AuditEntry = {
      version: 1,
      at: at.toISOString(),
      event,
      action: record.id,
      kind: record.kind,
      budget: record.alert.budget,
      description: record.description,
      ...(record.target && { target: record.target }),
      params: record.params,
      by,
      ...extra,
    };
    const stamp = entry.at.replace(/[:.]/g, '-');
    await this.store.put(
      `${dayPrefix(at, record.alert.budget)}${stamp}-${record.id}-${event}.json`,
      `${JSON.stringify(entry, null, 2)}\n`,
    );
  }

  /** Actions carried out for `budget` on the UTC day of `at` (automatic or approved): one list, no reads. */
  async executedOn(at: Date, budget: string): Promise<number> {
    const keys = await this.store.list(dayPrefix(at, budget));
    return keys.filter((key) => key.endsWith('-executed.json')).length;
  }

  /** Every entry of one UTC day, oldest first (the CLI's `actions audit`). */
  async day(at: Date): Promise<AuditEntry[]> {
    const keys = await this.store.list(`audit/${at.toISOString().slice(0, 10)}/`);
    const entries = await Promise.all(keys.map((key) => this.store.get(key)));
    return entries
      .flatMap((stored) => (stored ? [JSON.parse(stored.body) as AuditEntry] : []))
      .sort((a, b) => a.at.localeCompare(b.at));
  }
}

function dayPrefix(at: Date, budget: string): string {
  return `audit/${at.toISOString().slice(0, 10)}/${budget}/`;
}
