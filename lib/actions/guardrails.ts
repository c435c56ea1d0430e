/**
 * Guardrails: the actions of a crossed threshold, proposed in its alert, carried out once (by the check
 * for automatic ones, by an Approve link or the CLI for manual ones), audited, announced, and undone.
 * Every step is a compare-and-swap on the action's record (records.ts), so a double click acts once.
 */
import { randomUUID } from 'node:crypto';
import type { ActionNotice, Alert, AlertAction } from '../alerts/alert.ts';
import { globMatcher } from '../budgets/budget.ts';
import type { Logger } from '../log/index.ts';
import type { AlertPublisher } from '../notify/publisher.ts';
import type { Clock } from '../time/clock.ts';
import type { ActionTarget, Actuator, TargetFacts, TargetState } from './actuator.ts';
import type { AuditEvent, AuditLog } from './audit.ts';
import type { EventSink } from './event-sink.ts';
import { type ActionBook, type ActionRecord, type Actor, actionId, type StoredAction } from './records.ts';
import { EVENT_KIND, type GuardrailSettings } from './spec.ts';
import type { LinkOperation, LinkSigner } from './token.ts';

/** How long an executing (or undoing) record keeps others away: one provider call with its retries. */
const LEASE_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;

export interface GuardrailDependencies {
  book: ActionBook;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  settings: GuardrailSettings;
  /** Where Approve and Undo links point (the Function URL) and what signs them; without, the CLI approves. */
  links?: { baseUrl: string; signer: LinkSigner };
  /** The account's adapter for a provider action kind (`soracom.speedClass`), its credentials resolved. */
  actuator(kind: string, accountId: string): Promise<Actuator>;
  /** Where the event kind puts alerts; without it, event actions fail and say why. */
  events?: EventSink;
  /** Where notices of actions taken go (the alert topic). */
  notices: AlertPublisher;
  /** Told of every action that failed, for the alarm. */
  onFailure?: (kind: string) => void;
}

/** What approving or undoing came to, for the page, the CLI and the tests. */
export type ActionOutcome =
  | { result: 'executed' | 'undone'; record: ActionRecord }
  | { result: 'failed' | 'refused' | 'undo-failed'; record: ActionRecord; reason: string }
  /** Nothing done now: done before, in progress elsewhere, not awaiting this, or not allowed here. */
  | { result: 'unchanged'; record?: ActionRecord; reason: string };

/** What one check run shares across its alerts: how many automatic actions it has taken. */
export interface GuardrailRun {
  executed: number;
}

export class Guardrails {
  constructor(private readonly deps: GuardrailDependencies) {}

  /**
   * The alert with its planned actions handled: recorded, proposed with a link, or carried out now
   * (automatic ones, within the limits). A record that exists already (a retried delivery) is shown as
   * it stands. Never throws: an action that cannot be handled is shown so, and the alert still goes out.
   */
  async prepare(alert: Alert, run: GuardrailRun): Promise<Alert> {
    const planned = alert.actions ?? [];
    if (planned.length === 0 || alert.event !== 'crossed') return alert;
    const actions: AlertAction[] = [];
    for (const [index, action] of planned.entries()) {
      try {
        actions.push(await this.handle(alert, action, index, run));
      } catch (error) {
        this.deps.logger.error('guardrail action could not be handled; the alert goes out without it', {
          dedupKey: alert.dedupKey,
          kind: action.kind,
          error: (error as Error).message,
        });
        this.deps.onFailure?.(action.kind);
        actions.push({
          ...action,
          status: 'failed',
          note: `could not be handled: ${(error as Error).message}`,
        });
      }
    }
    return { ...alert, actions };
  }

  /** A dry run's preview, with each action described by its adapter (which reads and writes nothing). */
  async preview(alert: Alert): Promise<Alert> {
    const previewed = previewActions(alert, this.deps.settings);
    if (!previewed.actions) return previewed;
    const target = targetOf(alert);
    const actions = await Promise.all(
      previewed.actions.map(async (action) => ({
        ...action,
        description: await this.describe(action, target).catch(() => undefined),
      })),
    );
    return {
      ...previewed,
      actions: actions.map(({ description, ...action }) => ({
        ...action,
        ...(description && { description }),
      })),
    };
  }

  /** Approves and carries out an action awaiting approval (or one that failed, to try again). */
  async approve(id: string, actor: Actor): Promise<ActionOutcome> {
    const stored = await this.deps.book.get(id);
    if (!stored) return { result: 'unchanged', reason: `there is no action ${id}` };
    if (this.deps.settings.mode === 'propose')
      return { result: 'unchanged', record: stored.record, reason: PROPOSE_MODE_NOTE };
    return this.execute(stored, actor);
  }

  /** Puts the target back as it was before the action. */
  async undo(id: string, actor: Actor): Promise<ActionOutcome> {
    const { book, clock } = this.deps;
    const stored = await book.get(id);
    if (!stored) return { result: 'unchanged', reason: `there is no action ${id}` };
    const { record } = stored;
    const now = clock.now();
    if (record.kind === EVENT_KIND || !record.target || !record.before)
      return { result: 'unchanged', record, reason: 'this action has nothing to undo' };
    const resumable = record.status === 'undoing' && leaseOver(record, now);
    if (record.status !== 'done' && !resumable)
      return { result: 'unchanged', record, reason: notUndoable(record) };
    const undoing = await this.move(stored, { status: 'undoing', leaseUntil: lease(now), by: actor });
    if (!undoing) return this.lostRace(id);
    const { target, before } = record;
    try {
      const actuator = await this.deps.actuator(record.kind, target.accountId);
      const after = await actuator.restore(target, before);
      const done = await this.settle(undoing, {
        status: 'undone',
        undoneAt: clock.now().toISOString(),
        after,
      });
      await this.announce(done, 'undone', actor, { before: record.after, after });
      return { result: 'undone', record: done };
    } catch (error) {
      const reason = (error as Error).message;
      // Back to done: the target is as the action left it, and undo may be tried again.
      const back = await this.settle(undoing, { status: 'done', problem: `undo failed: ${reason}` });
      this.deps.onFailure?.(record.kind);
      await this.announce(back, 'undo-failed', actor, { reason });
      return { result: 'undo-failed', record: back, reason };
    }
  }

  /** The record behind a link, for the page that shows what approving or undoing will do. */
  async view(id: string): Promise<ActionRecord | undefined> {
    return (await this.deps.book.get(id))?.record;
  }

  private async handle(
    alert: Alert,
    action: AlertAction,
    index: number,
    run: GuardrailRun,
  ): Promise<AlertAction> {
    const { book, clock, settings } = this.deps;
    const id = actionId(alert.dedupKey, index);
    const existing = await book.get(id);
    if (existing) return this.shown(action, existing.record);
    const now = clock.now();
    const target = targetOf(alert);
    const description = await this.describe(action, target);
    const record: ActionRecord = {
      version: 1,
      id,
      kind: action.kind,
      params: action.params,
      approval: action.approval,
      ...(action.allow && { allow: action.allow }),
      ...(target && { target }),
      description,
      status: 'proposed',
      proposedAt: now.toISOString(),
      alert: { ...alert, actions: undefined },
    };
    if (!(await book.create(record))) {
      const raced = await book.get(id);
      return raced ? this.shown(action, raced.record) : { ...action, id, description, status: 'failed' };
    }
    const base = { ...action, id, description };
    const proposedOnly = settings.mode === 'propose' ? PROPOSE_MODE_NOTE : action.hold;
    if (proposedOnly) {
      await this.audited(record, 'proposed', { via: 'check' }, { reason: proposedOnly });
      return { ...base, status: 'proposed-only', note: proposedOnly };
    }
    if (action.approval === 'auto') {
      const limit = await this.overLimit(record, run);
      if (!limit) {
        run.executed++;
        const stored = await book.get(id);
        const outcome = await this.execute(stored!, { via: 'check' });
        return this.shown(base, outcome.record ?? record);
      }
      await this.audited(record, 'limited', { via: 'check' }, { reason: limit });
      return { ...this.awaiting(base, record), note: `not carried out automatically: ${limit}` };
    }
    await this.audited(record, 'proposed', { via: 'check' });
    return this.awaiting(base, record);
  }

  /** A manual action as its alert shows it: with its Approve link, or how to approve without one. */
  private awaiting(action: AlertAction, record: ActionRecord): AlertAction {
    const link = this.link(record, 'approve', this.deps.settings.linkValidHours);
    return {
      ...action,
      status: 'awaiting-approval',
      ...(link
        ? { approveUrl: link.url, linkExpiresAt: link.expiresAt }
        : { note: `approve with: spendwatch actions approve ${record.id}` }),
    };
  }

  /** An action whose record exists, as the alert shows it. */
  private shown(action: AlertAction, record: ActionRecord): AlertAction {
    const base = { ...action, id: record.id, description: record.description };
    switch (record.status) {
      case 'proposed': {
        // As when it was proposed: a retried delivery of a held action offers no Approve link either.
        const proposedOnly = this.deps.settings.mode === 'propose' ? PROPOSE_MODE_NOTE : action.hold;
        return proposedOnly
          ? { ...base, status: 'proposed-only', note: proposedOnly }
          : this.awaiting(base, record);
      }
      case 'done':
      case 'executing': {
        const undo =
          record.kind === EVENT_KIND
            ? undefined
            : this.link(record, 'undo', this.deps.settings.undoValidHours);
        return {
          ...base,
          status: 'executed',
          ...(record.after && { note: `now ${record.after.summary}` }),
          ...(undo && { undoUrl: undo.url, linkExpiresAt: undo.expiresAt }),
        };
      }
      case 'failed':
      case 'refused':
        return { ...base, status: record.status, ...(record.problem && { note: record.problem }) };
      case 'undoing':
      case 'undone':
        return { ...base, status: 'executed', note: 'undone since' };
    }
  }

  private async describe(action: AlertAction, target: ActionTarget | undefined): Promise<string> {
    if (action.kind === EVENT_KIND)
      return `put this alert on the EventBridge bus ${String(action.params.bus)}`;
    if (!target) throw new Error(`${action.kind} needs the resource that crossed, and this alert names none`);
    return (await this.deps.actuator(action.kind, target.accountId)).describe(target, action.params);
  }

  /** Why an automatic action must wait for approval instead: a limit reached; undefined within them. */
  private async overLimit(record: ActionRecord, run: GuardrailRun): Promise<string | undefined> {
    const { maxPerRun, maxPerDayPerBudget } = this.deps.settings;
    if (run.executed >= maxPerRun)
      return `this check has carried out ${run.executed} actions already (guardrails.maxPerRun: ${maxPerRun})`;
    const today = await this.deps.audit.executedOn(this.deps.clock.now(), record.alert.budget);
    if (today >= maxPerDayPerBudget)
      return `${today} actions were carried out for budget ${record.alert.budget} today (guardrails.maxPerDayPerBudget: ${maxPerDayPerBudget})`;
    return undefined;
  }

  private async execute(stored: StoredAction, actor: Actor): Promise<ActionOutcome> {
    const { record } = stored;
    const now = this.deps.clock.now();
    const resumable = record.status === 'executing' && leaseOver(record, now);
    if (record.status !== 'proposed' && record.status !== 'failed' && !resumable)
      return { result: 'unchanged', record, reason: notApprovable(record) };
    const executing = await this.move(stored, { status: 'executing', leaseUntil: lease(now), by: actor });
    if (!executing) return this.lostRace(record.id);
    let current = executing;
    try {
      if (record.kind === EVENT_KIND) return await this.putEvent(executing, actor);
      const target = record.target!;
      const actuator = await this.deps.actuator(record.kind, target.accountId);
      const facts = await actuator.inspect(target);
      const refusal = allowListRefusal(record, facts);
      if (refusal) {
        const refused = await this.settle(executing, {
          status: 'refused',
          problem: refusal,
          before: facts.state,
        });
        await this.announce(refused, 'refused', actor, { before: facts.state, reason: refusal });
        return { result: 'refused', record: refused, reason: refusal };
      }
      // Kept before acting: a run that dies after apply leaves what Undo must put back. A run taking
      // over such a record trusts what was kept, not the target it may already have changed.
      const before = resumable && record.before ? record.before : facts.state;
      const held = before === record.before ? executing : await this.move(executing, { before });
      if (!held) return this.lostRace(record.id);
      current = held;
      const after = await actuator.apply(target, record.params, before);
      const done = await this.settle(held, {
        status: 'done',
        before,
        after,
        executedAt: this.deps.clock.now().toISOString(),
        problem: undefined,
      });
      await this.announce(done, 'executed', actor, { before, after });
      return { result: 'executed', record: done };
    } catch (error) {
      const reason = (error as Error).message;
      const failed = await this.settle(current, { status: 'failed', problem: reason });
      this.deps.onFailure?.(record.kind);
      await this.announce(failed, 'failed', actor, { reason });
      return { result: 'failed', record: failed, reason };
    }
  }

  private async putEvent(executing: StoredAction, actor: Actor): Promise<ActionOutcome> {
    const { record } = executing;
    const { events } = this.deps;
    if (!events)
      throw new Error('no EventBridge client here (SPENDWATCH_EVENT_BUS names none, or this runs offline)');
    const bus = String(record.params.bus);
    const { eventId } = await events.put({
      bus,
      detailType: 'Budget threshold crossed: guardrail action',
      detail: record.alert,
    });
    const after = { summary: `event ${eventId} on bus ${bus}`, data: { eventId, bus } };
    const done = await this.settle(executing, {
      status: 'done',
      after,
      executedAt: this.deps.clock.now().toISOString(),
    });
    await this.announce(done, 'executed', actor, { after });
    return { result: 'executed', record: done };
  }

  /**
   * Moves the record on by compare-and-swap; the stored record on success, undefined when another
   * writer won. Read back and checked by a fresh step id: two clicks of one link write the same fields,
   * so only the id tells whose write the store kept.
   */
  private async move(stored: StoredAction, change: Partial<ActionRecord>): Promise<StoredAction | undefined> {
    const next = { ...stored.record, ...change, step: randomUUID() };
    if (!(await this.deps.book.replace(stored, next))) return undefined;
    const written = await this.deps.book.get(next.id);
    return written?.record.step === next.step ? written : undefined;
  }

  /** The last move of a step this writer holds the lease of; a lost one is logged (the state is the other writer's). */
  private async settle(held: StoredAction, change: Partial<ActionRecord>): Promise<ActionRecord> {
    const next: ActionRecord = { ...held.record, ...change, leaseUntil: undefined };
    if (!(await this.deps.book.replace(held, next)))
      this.deps.logger.warn('action record changed while this step held its lease; kept what was written', {
        action: held.record.id,
      });
    return next;
  }

  private async lostRace(id: string): Promise<ActionOutcome> {
    const now = await this.deps.book.get(id);
    return {
      result: 'unchanged',
      record: now?.record,
      reason: 'someone else is acting on it right now; reload to see',
    };
  }

  /** Audits the step and announces it as its own message; neither failing undoes what was done. */
  private async announce(
    record: ActionRecord,
    outcome: ActionNotice['outcome'],
    actor: Actor,
    step: { before?: TargetState; after?: TargetState; reason?: string },
  ): Promise<void> {
    await this.audited(record, outcome, actor, step);
    const undo =
      outcome === 'executed' && record.kind !== EVENT_KIND
        ? this.link(record, 'undo', this.deps.settings.undoValidHours)
        : undefined;
    const notice = actionNotice(record, {
      id: record.id,
      kind: record.kind,
      description: record.description,
      outcome,
      by: actorWords(actor),
      ...(step.before && { before: step.before.summary }),
      ...(step.after && { after: step.after.summary }),
      ...(step.reason && { reason: step.reason }),
      ...(undo && { undoUrl: undo.url, undoExpiresAt: undo.expiresAt }),
    });
    try {
      await this.deps.notices.publish(notice);
    } catch (error) {
      this.deps.logger.error('guardrail action notice could not be published; the audit log has it', {
        action: record.id,
        outcome,
        error: (error as Error).message,
      });
    }
  }

  private async audited(
    record: ActionRecord,
    event: AuditEvent,
    actor: Actor,
    extra: Parameters<AuditLog['write']>[4] = {},
  ): Promise<void> {
    try {
      await this.deps.audit.write(record, event, this.deps.clock.now(), actor, extra);
    } catch (error) {
      // The record keeps the step; the log line keeps it in CloudWatch.
      this.deps.logger.error('guardrail audit entry could not be written', {
        action: record.id,
        event,
        error: (error as Error).message,
      });
    }
  }

  private link(record: ActionRecord, operation: LinkOperation, validHours: number) {
    const { links, clock } = this.deps;
    if (!links) return undefined;
    const expiresAt = new Date(clock.now().getTime() + validHours * HOUR_MS);
    const { token } = links.signer.sign({
      action: record.id,
      operation,
      target: record.target?.resourceId ?? '',
      expiresAt,
    });
    const url = new URL(links.baseUrl);
    url.searchParams.set('op', operation);
    url.searchParams.set('t', token);
    return { url: url.toString(), expiresAt: expiresAt.toISOString() };
  }
}

/** A dry run's preview of what `prepare` would do with the alert's actions, touching nothing. */
export function previewActions(alert: Alert, settings: GuardrailSettings): Alert {
  if (!alert.actions?.length || alert.event !== 'crossed') return alert;
  return {
    ...alert,
    actions: alert.actions.map((action) => {
      const note = action.hold ?? (settings.mode === 'propose' ? PROPOSE_MODE_NOTE : undefined);
      return {
        ...action,
        status: action.approval === 'auto' && !note ? 'would-act' : 'would-propose',
        ...(note && { note }),
      };
    }),
  };
}

/** The alert's actions shown as proposed only, for `note`'s reason (a run that can act on none). */
export function proposedOnly(alert: Alert, note: string): Alert {
  if (!alert.actions?.length || alert.event !== 'crossed') return alert;
  return { ...alert, actions: alert.actions.map((action) => ({ ...action, status: 'proposed-only', note })) };
}

const PROPOSE_MODE_NOTE =
  'proposed only: guardrails.mode is propose, so no action is carried out (set mode: act when the proposals look right)';

/** The resource a per-resource alert names, in the account it was read from. */
function targetOf(alert: Alert): ActionTarget | undefined {
  if (!alert.resource || alert.accounts.length !== 1) return undefined;
  return {
    accountId: alert.accounts[0]!,
    resourceId: alert.resource.id,
    ...(alert.resource.name && { resourceName: alert.resource.name }),
    ...(alert.resource.type && { resourceType: alert.resource.type }),
  };
}

/** Why the target is outside the action's allow-list, from what the provider says of it now. */
function allowListRefusal(record: ActionRecord, facts: TargetFacts): string | undefined {
  const allow = record.allow;
  if (!allow) return undefined;
  if (allow.groups && !facts.groups.some((group) => allow.groups!.includes(group)))
    return `its group (${facts.groups.join(', ') || 'none'}) is not in allow.groups (${allow.groups.join(', ')})`;
  for (const [tag, pattern] of Object.entries(allow.tags ?? {})) {
    const value = facts.tags[tag];
    if (value === undefined || !globMatcher([pattern])(value))
      return `its tag ${tag} is ${value === undefined ? 'not set' : `"${value}"`}, and allow.tags asks for "${pattern}"`;
  }
  return undefined;
}

function notApprovable(record: ActionRecord): string {
  switch (record.status) {
    case 'executing':
      return 'it is being carried out right now';
    case 'done':
      return `it was carried out already, at ${record.executedAt}`;
    case 'refused':
      return `it was refused: ${record.problem}`;
    case 'undoing':
    case 'undone':
      return 'it was carried out and undone already';
    default:
      return `it is ${record.status}`;
  }
}

function notUndoable(record: ActionRecord): string {
  switch (record.status) {
    case 'undone':
      return `it was undone already, at ${record.undoneAt}`;
    case 'undoing':
      return 'it is being undone right now';
    default:
      return `it was not carried out (it is ${record.status}), so there is nothing to undo`;
  }
}

function leaseOver(record: ActionRecord, now: Date): boolean {
  return !record.leaseUntil || Date.parse(record.leaseUntil) <= now.getTime();
}

function lease(now: Date): string {
  return new Date(now.getTime() + LEASE_MS).toISOString();
}

function actorWords(actor: Actor): string {
  switch (actor.via) {
    case 'check':
      return 'the check (automatic approval)';
    case 'link':
      return `an action link (token ${actor.tokenId}${actor.sourceIp ? `, from ${actor.sourceIp}` : ''})`;
    case 'cli':
      return `${actor.user} (spendwatch actions)`;
  }
}

/** The notice of one step of an action: the crossing's alert, reworded, with its own dedupKey. */
function actionNotice(record: ActionRecord, action: ActionNotice): Alert {
  const { alert } = record;
  // Per step (each move has its own id): a second failure of the same action is news, not a duplicate.
  const stepStamp = (record.step ?? '').slice(0, 8);
  const failed =
    action.outcome === 'failed' || action.outcome === 'refused' || action.outcome === 'undo-failed';
  const lines = [
    `Action ${record.id} (${record.kind}) on the crossing ${alert.dedupKey}`,
    ...(action.before ? [`Before: ${action.before}`] : []),
    ...(action.after ? [`After: ${action.after}`] : []),
    `By: ${action.by}`,
  ];
  return {
    ...alert,
    event: 'action',
    dedupKey: `${alert.dedupKey}/${record.id}.${action.outcome}.${stepStamp}`,
    thresholdId: `${alert.thresholdId}.action`,
    severity: failed ? 'warning' : 'info',
    actions: undefined,
    sinceLast: undefined,
    action,
    headline: `Guardrail on ${alert.budget}: ${action.description}: ${action.outcome.replace('-', ' ')}`,
    details: lines,
  };
}
