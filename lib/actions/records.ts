/**
 * The action book: one record per guardrail action at `actions/{id}.json`, moved from state to state
 * by compare-and-swap only, so that two clicks, two tabs, a retried request or a check and a click at
 * once carry an action out once. The state machine:
 *
 *   proposed ─approve→ executing ─→ done ─undo→ undoing ─→ undone
 *                         │  └────→ failed (may be approved again)
 *                         └──────→ refused (outside the allow-list)
 *
 * An `executing` or `undoing` record whose lease ran out belongs to a run that died mid-way; the next
 * approval (or undo) takes it over and reads the target again before acting.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Alert } from '../alerts/alert.ts';
import type { ObjectStore } from '../state/store.ts';
import type { ActionTarget, TargetState } from './actuator.ts';
import { parseJsonOrUndefined } from './parse-json.ts';

type ActionStatus = 'proposed' | 'executing' | 'done' | 'failed' | 'refused' | 'undoing' | 'undone';

/** Who made a record move: the check itself, a link (its token and the request's source), or the CLI. */
export type Actor =
  | { via: 'check' }
  | { via: 'link'; tokenId: string; sourceIp?: string; userAgent?: string }
  | { via: 'cli'; user: string };

export interface ActionRecord {
  version: 1;
  id: string;
  /** `<provider>.<kind>` or `event`. */
  kind: string;
  params: Record<string, unknown>;
  approval: 'manual' | 'auto';
  allow?: { groups?: string[]; tags?: Record<string, string> };
  /** Absent for the event kind, which acts on no provider resource. */
  target?: ActionTarget;
  /** What it does, in words: "slow SIM 4401… to s1.minimum". */
  description: string;
  status: ActionStatus;
  proposedAt: string;
  /** Until then an executing or undoing record belongs to whoever moved it there. */
  leaseUntil?: string;
  /** Random per move, so a writer can tell its own write from another's of the same fields. */
  step?: string;
  before?: TargetState;
  after?: TargetState;
  executedAt?: string;
  undoneAt?: string;
  /** Why it failed or was refused, in words (never a credential: provider errors are redacted). */
  problem?: string;
  /** Who moved it last. */
  by?: Actor;
  /** The crossing it answers, as delivered: its notices and the event kind's payload come from it. */
  alert: Alert;
}

const stateSchema = z.object({ summary: z.string(), data: z.record(z.string(), z.unknown()) });
const recordSchema = z.looseObject({
  version: z.literal(1),
  id: z.string().min(1),
  kind: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
  approval: z.enum(['manual', 'auto']),
  target: z
    .object({
      accountId: z.string(),
      resourceId: z.string(),
      resourceName: z.string().optional(),
      resourceType: z.string().optional(),
    })
    .optional(),
  description: z.string(),
  status: z.enum(['proposed', 'executing', 'done', 'failed', 'refused', 'undoing', 'undone']),
  proposedAt: z.string(),
  step: z.string().optional(),
  before: stateSchema.optional(),
  after: stateSchema.optional(),
  alert: z.looseObject({ dedupKey: z.string(), budget: z.string() }),
});

/** The same crossing and action always get the same id: a retried delivery finds its record again. */
export function actionId(dedupKey: string, index: number): string {
  return createHash('sha256')
    .update(`${dedupKey}#${index}`)
    .digest('base64url')
    .slice(0, 16)
    .replace(/[-_]/g, 'x');
}

const ID = /^[A-Za-z0-9]{16}$/;

export interface StoredAction {
  record: ActionRecord;
  version: string;
}

export class ActionBook {
  constructor(private readonly store: ObjectStore) {}

  /** Writes a new record; false when one with its id exists already (a retried delivery). */
  create(record: ActionRecord): Promise<boolean> {
    return this.store.createIfAbsent(this.keyOf(record.id), serialise(record));
  }

  /** The record with `id`; undefined when there is none; throws when it cannot be read as one. */
  async get(id: string): Promise<StoredAction | undefined> {
    if (!ID.test(id)) return undefined;
    const stored = await this.store.get(this.keyOf(id));
    if (!stored) return undefined;
    const parsed = recordSchema.safeParse(parseJsonOrUndefined(stored.body));
    if (!parsed.success)
      throw new Error(
        `action record ${id} cannot be read (${z.prettifyError(parsed.error)}); see ${this.keyOf(id)}`,
      );
    return { record: parsed.data as unknown as ActionRecord, version: stored.version };
  }

  /** Moves a record on; false when another writer moved it first (read it again to see where to). */
  replace(current: StoredAction, next: ActionRecord): Promise<boolean> {
    return this.store.replaceIfVersion(this.keyOf(next.id), serialise(next), current.version);
  }

  /** Every record, newest proposal first (the CLI's list: there are as many as actions ever proposed). */
  async all(): Promise<ActionRecord[]> {
    const keys = await this.store.list('actions/');
    const records = await Promise.all(
      keys.map((key) => this.get(key.slice('actions/'.length, -'.json'.length)).catch(() => undefined)),
    );
    return records
      .flatMap((stored) => (stored ? [stored.record] : []))
      .sort((a, b) => b.proposedAt.localeCompare(a.proposedAt));
  }

  private keyOf(id: string): string {
    return `actions/${id}.json`;
  }
}

function serialise(record: ActionRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}
