import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../../lib/actions/audit.ts';
import { MemoryEventSink } from '../../../lib/actions/event-sink.ts';
import { Guardrails } from '../../../lib/actions/guardrails.ts';
import { ActionBook, type Actor } from '../../../lib/actions/records.ts';
import { DEFAULT_GUARDRAILS, type GuardrailSettings } from '../../../lib/actions/spec.ts';
import { LinkSigner } from '../../../lib/actions/token.ts';
import type { Alert, AlertAction } from '../../../lib/alerts/alert.ts';
import { memoryLogger } from '../../../lib/log/index.ts';
import { MemoryPublisher } from '../../../lib/notify/publisher.ts';
import { MemoryObjectStore } from '../../../lib/state/memory-store.ts';
import { sampleAlert } from '../../support/alerts.ts';
import { MemoryActuator } from '../../support/memory-actuator.ts';

const T0 = new Date('2026-11-23T03:30:00Z');
const SIM = '440103125380001';
const BASE_URL = 'https://links.example/';
const signer = new LinkSigner('s'.repeat(48));
const alice: Actor = { via: 'cli', user: 'alice' };
const link: Actor = { via: 'link', tokenId: 'tok-1', sourceIp: '203.0.113.7' };

const action = (fields: Partial<AlertAction> = {}): AlertAction => ({
  kind: 'memory.set',
  approval: 'manual',
  params: { to: 'slow' },
  status: 'planned',
  ...fields,
});

/** A per-resource crossing of SIM in one account, with the actions given. */
const crossing = (actions: AlertAction[], fields: Partial<Alert> = {}): Alert =>
  sampleAlert({
    budget: 'sim-daily',
    thresholdId: 'actual-100pct',
    account: 'sora',
    accounts: ['sora'],
    provider: 'soracom',
    resource: { id: SIM, name: 'pump-7' },
    actions,
    ...fields,
  });

interface WorldOptions {
  settings?: Partial<GuardrailSettings>;
  links?: boolean;
  events?: boolean;
}

function world({ settings = {}, links = true, events = false }: WorldOptions = {}) {
  const store = new MemoryObjectStore();
  const actuator = new MemoryActuator().add(SIM, { groups: ['fleet-a'], tags: { env: 'prod-eu' } });
  const notices = new MemoryPublisher();
  const sink = new MemoryEventSink();
  const failures: string[] = [];
  const factoryCalls: string[] = [];
  let now = T0;
  const book = new ActionBook(store);
  const audit = new AuditLog(store);
  const guardrails = new Guardrails({
    book,
    audit,
    clock: { now: () => new Date(now) },
    logger: memoryLogger(),
    settings: { ...DEFAULT_GUARDRAILS, mode: 'act', ...settings },
    ...(links && { links: { baseUrl: BASE_URL, signer } }),
    actuator: async (kind, accountId) => {
      factoryCalls.push(`${kind}@${accountId}`);
      return actuator;
    },
    ...(events && { events: sink }),
    notices,
    onFailure: (kind) => failures.push(kind),
  });
  return {
    store,
    book,
    audit,
    actuator,
    notices,
    sink,
    failures,
    factoryCalls,
    guardrails,
    /** Moves the clock on by `ms`. */
    later(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    /** The audit log of T0's day as (event, who) pairs, oldest first. */
    async auditTrail() {
      return (await audit.day(T0)).map((entry) => [entry.event, entry.by.via]);
    },
  };
}

const verifyLink = (url: string | undefined, at = T0) => {
  const parsed = new URL(url!);
  expect(`${parsed.origin}/`).toBe(BASE_URL);
  const verified = signer.verify(parsed.searchParams.get('t')!, at);
  return { op: parsed.searchParams.get('op'), verified };
};

describe('manual actions', () => {
  it('are proposed with an Approve link, carried out once on approval, and undone once', async () => {
    const w = world();
    const [proposed] = (await w.guardrails.prepare(crossing([action()]), { executed: 0 })).actions!;
    expect(proposed).toMatchObject({
      status: 'awaiting-approval',
      description: 'set pump-7 to slow',
      id: expect.stringMatching(/^[A-Za-z0-9]{16}$/),
      linkExpiresAt: '2026-11-24T03:30:00.000Z',
    });
    const id = proposed!.id!;
    const approveLink = verifyLink(proposed!.approveUrl);
    expect(approveLink.op).toBe('approve');
    expect(approveLink.verified).toMatchObject({
      ok: true,
      grant: { action: id, operation: 'approve', target: SIM },
    });
    expect(w.actuator.calls).toEqual({ inspect: 0, apply: 0, restore: 0 });

    w.later(1000);
    const approved = await w.guardrails.approve(id, link);
    expect(approved).toMatchObject({
      result: 'executed',
      record: { status: 'done', before: { summary: 'setting fast' }, after: { summary: 'setting slow' } },
    });
    expect(w.actuator.settingOf(SIM)).toBe('slow');
    const again = await w.guardrails.approve(id, alice);
    expect(again).toMatchObject({
      result: 'unchanged',
      reason: expect.stringMatching(/^it was carried out already, at /),
    });
    expect(w.actuator.calls.apply).toBe(1);

    w.later(1000);
    const undone = await w.guardrails.undo(id, alice);
    expect(undone).toMatchObject({
      result: 'undone',
      record: { status: 'undone', after: { summary: 'setting fast' } },
    });
    expect(w.actuator.settingOf(SIM)).toBe('fast');
    const undoneAgain = await w.guardrails.undo(id, alice);
    expect(undoneAgain).toMatchObject({
      result: 'unchanged',
      reason: expect.stringMatching(/^it was undone already/),
    });
    expect(w.actuator.calls.restore).toBe(1);
    // Approving an undone action does not carry it out again.
    expect(await w.guardrails.approve(id, alice)).toMatchObject({ result: 'unchanged' });
    expect(w.actuator.writes).toBe(2);

    const entries = await w.audit.day(T0);
    expect(entries.map((e) => [e.event, e.by])).toEqual([
      ['proposed', { via: 'check' }],
      ['executed', link],
      ['undone', alice],
    ]);
    expect(entries[1]).toMatchObject({
      action: id,
      budget: 'sim-daily',
      target: { accountId: 'sora', resourceId: SIM },
      before: { data: { setting: 'fast' } },
      after: { data: { setting: 'slow' } },
    });

    // The crossing's alert itself is published by the check; the guardrails publish one notice per step.
    const published = w.notices.published;
    expect(published.map((n) => [n.event, n.action?.outcome, n.severity])).toEqual([
      ['action', 'executed', 'info'],
      ['action', 'undone', 'info'],
    ]);
    expect(new Set(published.map((n) => n.dedupKey)).size).toBe(2);
    expect(published.every((n) => n.dedupKey.startsWith('sim-daily:2026-11:actual-100pct/'))).toBe(true);
    const [executed, undoneNotice] = published;
    expect(executed!.action).toMatchObject({
      id,
      before: 'setting fast',
      after: 'setting slow',
      by: 'an action link (token tok-1, from 203.0.113.7)',
    });
    const undoLink = verifyLink(executed!.action!.undoUrl);
    expect(undoLink.op).toBe('undo');
    expect(undoLink.verified).toMatchObject({
      ok: true,
      grant: { action: id, operation: 'undo', target: SIM },
    });
    expect(executed!.action!.undoExpiresAt).toBe('2026-11-30T03:30:01.000Z');
    expect(undoneNotice!.action).toMatchObject({ by: 'alice (spendwatch actions)' });
    expect(undoneNotice!.action!.undoUrl).toBeUndefined();
    expect(w.failures).toEqual([]);
  });

  it('say how to approve with the CLI when the deployment has no links', async () => {
    const w = world({ links: false });
    const [proposed] = (await w.guardrails.prepare(crossing([action()]), { executed: 0 })).actions!;
    expect(proposed).toMatchObject({
      status: 'awaiting-approval',
      note: `approve with: spendwatch actions approve ${proposed!.id}`,
    });
    expect(proposed!.approveUrl).toBeUndefined();
    expect(await w.guardrails.approve(proposed!.id!, alice)).toMatchObject({ result: 'executed' });
    expect(w.notices.published[0]!.action!.undoUrl).toBeUndefined();
  });
});

describe('automatic actions', () => {
  it('are carried out by prepare itself within the limits', async () => {
    const w = world();
    const run = { executed: 0 };
    const [done] = (await w.guardrails.prepare(crossing([action({ approval: 'auto' })]), run)).actions!;
    expect(done).toMatchObject({ status: 'executed', note: 'now setting slow' });
    expect(verifyLink(done!.undoUrl).verified).toMatchObject({ ok: true, grant: { operation: 'undo' } });
    expect(run.executed).toBe(1);
    expect(w.actuator.settingOf(SIM)).toBe('slow');
    expect(await w.auditTrail()).toEqual([['executed', 'check']]);
    expect(w.notices.published[0]!.action).toMatchObject({
      outcome: 'executed',
      by: 'the check (automatic approval)',
    });
  });

  it('wait for approval beyond guardrails.maxPerRun, saying so, and audit the limit', async () => {
    const w = world({ settings: { maxPerRun: 2 } });
    const run = { executed: 2 };
    const [waiting] = (await w.guardrails.prepare(crossing([action({ approval: 'auto' })]), run)).actions!;
    expect(waiting).toMatchObject({
      status: 'awaiting-approval',
      note: 'not carried out automatically: this check has carried out 2 actions already (guardrails.maxPerRun: 2)',
      approveUrl: expect.stringContaining('op=approve'),
    });
    expect(run.executed).toBe(2);
    expect(w.actuator.calls).toEqual({ inspect: 0, apply: 0, restore: 0 });
    const [limited] = await w.audit.day(T0);
    expect(limited).toMatchObject({
      event: 'limited',
      by: { via: 'check' },
      reason: expect.stringContaining('maxPerRun'),
    });
    // A person may still approve it.
    expect(await w.guardrails.approve(waiting!.id!, alice)).toMatchObject({ result: 'executed' });
  });

  it('wait for approval beyond guardrails.maxPerDayPerBudget, counting approved ones too', async () => {
    const w = world({ settings: { maxPerDayPerBudget: 1 } });
    const run = { executed: 0 };
    // An approved action of the budget earlier today.
    const [manual] = (await w.guardrails.prepare(crossing([action()], { dedupKey: 'earlier' }), run))
      .actions!;
    await w.guardrails.approve(manual!.id!, alice);
    w.actuator.add(SIM, { groups: ['fleet-a'] });
    w.later(1000);

    const [waiting] = (await w.guardrails.prepare(crossing([action({ approval: 'auto' })]), run)).actions!;
    expect(waiting).toMatchObject({
      status: 'awaiting-approval',
      note: 'not carried out automatically: 1 actions were carried out for budget sim-daily today (guardrails.maxPerDayPerBudget: 1)',
    });
    expect(w.actuator.calls.apply).toBe(1);
    expect((await w.auditTrail()).at(-1)).toEqual(['limited', 'check']);
    const limited = (await w.audit.day(T0)).at(-1)!;
    expect(limited.reason).toContain('guardrails.maxPerDayPerBudget: 1');

    // Another budget has its own count.
    const [other] = (
      await w.guardrails.prepare(
        crossing([action({ approval: 'auto' })], { budget: 'other', dedupKey: 'o' }),
        run,
      )
    ).actions!;
    expect(other).toMatchObject({ status: 'executed' });
  });
});

describe('actions that are only proposed', () => {
  it('in mode propose: never carried out, approval refused, the actuator never called', async () => {
    const w = world({ settings: { mode: 'propose' } });
    const prepared = await w.guardrails.prepare(crossing([action(), action({ approval: 'auto' })]), {
      executed: 0,
    });
    for (const proposed of prepared.actions!) {
      expect(proposed).toMatchObject({
        status: 'proposed-only',
        note: expect.stringMatching(/guardrails\.mode is propose/),
      });
      expect(proposed.approveUrl).toBeUndefined();
      expect(await w.guardrails.approve(proposed.id!, alice)).toMatchObject({
        result: 'unchanged',
        reason: expect.stringMatching(/guardrails\.mode is propose/),
      });
    }
    expect(w.actuator.calls).toEqual({ inspect: 0, apply: 0, restore: 0 });
    expect(w.notices.published).toEqual([]);
    expect(await w.auditTrail()).toEqual([
      ['proposed', 'check'],
      ['proposed', 'check'],
    ]);
  });

  it.each([
    ['stale', 'not carried out: the reading is stale (as of 2026-11-23T00:00:00.000Z)'],
    ['partial', 'not carried out: the reading of sora is partial (sims failed)'],
  ])(
    'held by a %s reading: proposed only with the hold as note, no link, no actuator call',
    async (_why, hold) => {
      const w = world();
      const alert = crossing([action({ hold }), action({ approval: 'auto', hold })]);
      const prepared = await w.guardrails.prepare(alert, { executed: 0 });
      for (const proposed of prepared.actions!) {
        expect(proposed).toMatchObject({ status: 'proposed-only', note: hold });
        expect(proposed.approveUrl).toBeUndefined();
      }
      expect(w.actuator.writes + w.actuator.calls.inspect).toBe(0);
      const entries = await w.audit.day(T0);
      expect(entries.map((e) => [e.event, e.reason])).toEqual([
        ['proposed', hold],
        ['proposed', hold],
      ]);
      // A retried delivery of the held alert still holds: it offers no Approve link either.
      const retried = await w.guardrails.prepare(alert, { executed: 0 });
      expect(retried.actions).toEqual(prepared.actions);
      expect(w.actuator.writes).toBe(0);
    },
  );
});

describe('allow-lists', () => {
  it.each([
    [{ groups: ['fleet-b', 'fleet-c'] }, 'its group (fleet-a) is not in allow.groups (fleet-b, fleet-c)'],
    [{ tags: { env: 'prod-us*' } }, 'its tag env is "prod-eu", and allow.tags asks for "prod-us*"'],
    [{ tags: { owner: '*' } }, 'its tag owner is not set, and allow.tags asks for "*"'],
  ])('refuse a target outside %o, saying why', async (allow, reason) => {
    const w = world();
    const [done] = (
      await w.guardrails.prepare(crossing([action({ approval: 'auto', allow })]), { executed: 0 })
    ).actions!;
    expect(done).toMatchObject({ status: 'refused', note: reason });
    expect(w.actuator.calls).toEqual({ inspect: 1, apply: 0, restore: 0 });
    expect(w.actuator.settingOf(SIM)).toBe('fast');
    const refused = (await w.audit.day(T0)).at(-1)!;
    expect(refused).toMatchObject({ event: 'refused', reason, before: { summary: 'setting fast' } });
    expect(w.notices.published.map((n) => [n.action?.outcome, n.action?.reason, n.severity])).toEqual([
      ['refused', reason, 'warning'],
    ]);
    // Refused is final: approving it again does nothing.
    expect(await w.guardrails.approve(done!.id!, alice)).toMatchObject({
      result: 'unchanged',
      reason: `it was refused: ${reason}`,
    });
    expect(w.actuator.calls.apply).toBe(0);
  });

  it.each([
    { groups: ['fleet-b', 'fleet-a'] },
    { tags: { env: 'prod-*' } },
    { groups: ['fleet-a'], tags: { env: 'prod-e?' } },
  ])('carry out an action on a target inside %o', async (allow) => {
    const w = world();
    const [done] = (
      await w.guardrails.prepare(crossing([action({ approval: 'auto', allow })]), { executed: 0 })
    ).actions!;
    expect(done).toMatchObject({ status: 'executed' });
    expect(w.actuator.settingOf(SIM)).toBe('slow');
  });
});

describe('when the provider refuses', () => {
  it('a failed action is announced as a warning, counted for the alarm, and may be approved again', async () => {
    const w = world();
    w.actuator.failNext('apply', 'Soracom said 500');
    const [proposed] = (await w.guardrails.prepare(crossing([action()]), { executed: 0 })).actions!;
    const id = proposed!.id!;
    w.later(1000);
    expect(await w.guardrails.approve(id, alice)).toMatchObject({
      result: 'failed',
      reason: 'Soracom said 500',
      record: { status: 'failed', problem: 'Soracom said 500' },
    });
    expect(w.failures).toEqual(['memory.set']);
    expect(w.notices.published.map((n) => [n.action?.outcome, n.action?.reason, n.severity])).toEqual([
      ['failed', 'Soracom said 500', 'warning'],
    ]);
    expect(w.actuator.settingOf(SIM)).toBe('fast');

    w.later(60_000);
    const retried = await w.guardrails.approve(id, alice);
    expect(retried).toMatchObject({ result: 'executed', record: { status: 'done' } });
    expect(retried.record!.problem).toBeUndefined();
    expect(w.actuator.settingOf(SIM)).toBe('slow');
    expect(await w.guardrails.approve(id, alice)).toMatchObject({ result: 'unchanged' });
    expect(w.actuator.calls.apply).toBe(2);
    expect(await w.auditTrail()).toEqual([
      ['proposed', 'check'],
      ['failed', 'cli'],
      ['executed', 'cli'],
    ]);
    expect(w.notices.published.map((n) => n.action?.outcome)).toEqual(['failed', 'executed']);
  });

  it('a failed undo leaves the action done, says why, and undo may be tried again', async () => {
    const w = world();
    const [proposed] = (await w.guardrails.prepare(crossing([action()]), { executed: 0 })).actions!;
    const id = proposed!.id!;
    w.later(1000);
    await w.guardrails.approve(id, alice);
    w.later(1000);
    w.actuator.failNext('restore', 'Soracom said 429');
    expect(await w.guardrails.undo(id, alice)).toMatchObject({
      result: 'undo-failed',
      reason: 'Soracom said 429',
      record: { status: 'done', problem: 'undo failed: Soracom said 429' },
    });
    expect((await w.book.get(id))!.record).toMatchObject({ status: 'done' });
    expect((await w.book.get(id))!.record.leaseUntil).toBeUndefined();
    expect(w.failures).toEqual(['memory.set']);
    expect(w.notices.published.at(-1)).toMatchObject({
      severity: 'warning',
      action: { outcome: 'undo-failed' },
    });
    expect(w.actuator.settingOf(SIM)).toBe('slow');

    w.later(60_000);
    expect(await w.guardrails.undo(id, alice)).toMatchObject({ result: 'undone' });
    expect(w.actuator.settingOf(SIM)).toBe('fast');
    expect((await w.auditTrail()).map(([event]) => event)).toEqual([
      'proposed',
      'executed',
      'undo-failed',
      'undone',
    ]);
  });

  it('an action that cannot even be described fails in the alert, which still goes out', async () => {
    const w = world();
    const alert = crossing([action()], { resource: undefined });
    const [failed] = (await w.guardrails.prepare(alert, { executed: 0 })).actions!;
    expect(failed).toMatchObject({
      status: 'failed',
      note: 'could not be handled: memory.set needs the resource that crossed, and this alert names none',
    });
    expect(w.failures).toEqual(['memory.set']);
  });
});

describe('the event kind', () => {
  const eventAction = () => action({ kind: 'event', params: { bus: 'ops-bus' }, approval: 'auto' });

  it('puts the alert on the bus, and has nothing to undo', async () => {
    const w = world({ events: true });
    const alert = crossing([eventAction()]);
    const [done] = (await w.guardrails.prepare(alert, { executed: 0 })).actions!;
    expect(done).toMatchObject({
      status: 'executed',
      description: 'put this alert on the EventBridge bus ops-bus',
      note: 'now event memory-1 on bus ops-bus',
    });
    expect(done!.undoUrl).toBeUndefined();
    expect(w.sink.events).toEqual([
      {
        bus: 'ops-bus',
        detailType: 'Budget threshold crossed: guardrail action',
        detail: { ...alert, actions: undefined },
      },
    ]);
    expect(w.factoryCalls).toEqual([]);
    expect(w.notices.published[0]!.action).toMatchObject({
      outcome: 'executed',
      after: 'event memory-1 on bus ops-bus',
    });
    expect(w.notices.published[0]!.action!.undoUrl).toBeUndefined();
    expect(await w.guardrails.undo(done!.id!, alice)).toMatchObject({
      result: 'unchanged',
      reason: 'this action has nothing to undo',
    });
    expect(w.sink.events).toHaveLength(1);
  });

  it('fails, saying why, where there is no event bus client', async () => {
    const w = world();
    const [failed] = (await w.guardrails.prepare(crossing([eventAction()]), { executed: 0 })).actions!;
    expect(failed).toMatchObject({
      status: 'failed',
      note: expect.stringMatching(/^no EventBridge client here \(SPENDWATCH_EVENT_BUS names none/),
    });
    expect(w.failures).toEqual(['event']);
    expect(w.notices.published[0]).toMatchObject({ severity: 'warning', action: { outcome: 'failed' } });
  });
});

describe('compare-and-swap', () => {
  it('a retried delivery shows the existing record and never acts twice', async () => {
    const w = world();
    const alert = crossing([action(), action({ approval: 'auto', params: { to: 'slower' } })]);
    const first = await w.guardrails.prepare(alert, { executed: 0 });
    const second = await w.guardrails.prepare(alert, { executed: 0 });
    expect(first.actions!.map((a) => a.status)).toEqual(['awaiting-approval', 'executed']);
    expect(second.actions!.map((a) => [a.id, a.status])).toEqual(first.actions!.map((a) => [a.id, a.status]));
    expect(new Set(first.actions!.map((a) => a.id)).size).toBe(2);
    expect(w.actuator.calls.apply).toBe(1);
    expect(w.notices.published).toHaveLength(1);
    expect((await w.auditTrail()).map(([event]) => event)).toEqual(['proposed', 'executed']);
  });

  it('takes over an executing action whose lease ran out (a crashed run), never one still leased', async () => {
    const w = world();
    const [proposed] = (await w.guardrails.prepare(crossing([action()]), { executed: 0 })).actions!;
    const id = proposed!.id!;
    // What a run that died between taking the record and acting leaves behind: a lease of 5 minutes.
    const stored = (await w.book.get(id))!;
    const leaseUntil = new Date(T0.getTime() + 5 * 60_000).toISOString();
    expect(
      await w.book.replace(stored, { ...stored.record, status: 'executing', leaseUntil, by: alice }),
    ).toBe(true);

    w.later(4 * 60_000);
    expect(await w.guardrails.approve(id, link)).toMatchObject({
      result: 'unchanged',
      reason: 'it is being carried out right now',
    });
    expect(w.actuator.calls).toEqual({ inspect: 0, apply: 0, restore: 0 });

    w.later(60_000);
    expect(await w.guardrails.approve(id, link)).toMatchObject({
      result: 'executed',
      record: { status: 'done' },
    });
    expect(w.actuator.calls.apply).toBe(1);
    expect(await w.guardrails.approve(id, link)).toMatchObject({ result: 'unchanged' });
  });

  it('a run taking over after one died mid-apply keeps the state recorded before it, for Undo', async () => {
    const w = world();
    const [proposed] = (await w.guardrails.prepare(crossing([action()]), { executed: 0 })).actions!;
    const id = proposed!.id!;
    // The dead run recorded the state, then changed the target, then died before settling.
    const stored = (await w.book.get(id))!;
    const before = (await w.actuator.inspect({ accountId: 'a', resourceId: SIM })).state;
    const leaseUntil = new Date(T0.getTime() + 60_000).toISOString();
    await w.book.replace(stored, { ...stored.record, status: 'executing', leaseUntil, before, by: alice });
    await w.actuator.apply({ accountId: 'a', resourceId: SIM }, { to: 'minimum' }, before);

    w.later(2 * 60_000);
    expect(await w.guardrails.approve(id, link)).toMatchObject({ result: 'executed', record: { before } });
    expect(await w.guardrails.undo(id, link)).toMatchObject({ result: 'undone' });
    expect(w.actuator.settingOf(SIM)).toBe('fast');
  });

  it('an unknown action id changes nothing', async () => {
    const w = world();
    expect(await w.guardrails.approve('AAAAAAAAAAAAAAAA', alice)).toEqual({
      result: 'unchanged',
      reason: 'there is no action AAAAAAAAAAAAAAAA',
    });
    expect(await w.guardrails.undo('../etc/passwd', alice)).toMatchObject({ result: 'unchanged' });
  });
});
