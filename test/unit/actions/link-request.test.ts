import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../../lib/actions/audit.ts';
import { Guardrails } from '../../../lib/actions/guardrails.ts';
import { answerLink, type LinkRequest } from '../../../lib/actions/link-request.ts';
import { ActionBook } from '../../../lib/actions/records.ts';
import { DEFAULT_GUARDRAILS } from '../../../lib/actions/spec.ts';
import { LinkSigner } from '../../../lib/actions/token.ts';
import { silentLogger } from '../../../lib/log/index.ts';
import { MemoryPublisher } from '../../../lib/notify/publisher.ts';
import { MemoryObjectStore } from '../../../lib/state/memory-store.ts';
import { sampleAlert } from '../../support/alerts.ts';
import { MemoryActuator } from '../../support/memory-actuator.ts';

const T0 = new Date('2026-11-23T03:30:00Z');
const SIM = '440103125380001';
const signer = new LinkSigner('s'.repeat(48));

async function world(fields: { budget?: string; resourceName?: string } = {}) {
  const actuator = new MemoryActuator().add(SIM);
  const store = new MemoryObjectStore();
  const guardrails = new Guardrails({
    book: new ActionBook(store),
    audit: new AuditLog(store),
    clock: { now: () => T0 },
    logger: silentLogger,
    settings: { ...DEFAULT_GUARDRAILS, mode: 'act' },
    links: { baseUrl: 'https://links.example/', signer },
    actuator: async () => actuator,
    notices: new MemoryPublisher(),
  });
  const alert = sampleAlert({
    budget: fields.budget ?? 'sim-daily',
    thresholdId: 'actual-100pct',
    accounts: ['sora'],
    resource: { id: SIM, name: fields.resourceName ?? 'pump-7' },
    actions: [{ kind: 'memory.set', approval: 'manual', params: { to: 'slow' }, status: 'planned' }],
  });
  const [action] = (await guardrails.prepare(alert, { executed: 0 })).actions!;
  const id = action!.id!;
  const fieldsOf = (url: string) => Object.fromEntries(new URL(url).searchParams);
  const answer = (request: Partial<LinkRequest> & { fields: LinkRequest['fields'] }, now = T0) =>
    answerLink({ method: 'GET', ...request }, { guardrails, signer, now });
  const token = (grant: Partial<Parameters<LinkSigner['sign']>[0]> = {}, by = signer) =>
    by.sign({
      action: id,
      operation: 'approve',
      target: SIM,
      expiresAt: new Date(T0.getTime() + 3_600_000),
      ...grant,
    }).token;
  return { actuator, guardrails, id, approve: fieldsOf(action!.approveUrl!), answer, token };
}

const SECURITY_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex',
  'x-content-type-options': 'nosniff',
  'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
};

describe('answerLink', () => {
  it('shows what the link will do on GET, with the confirm form, and calls nothing', async () => {
    const w = await world();
    const page = await w.answer({ method: 'GET', fields: w.approve });
    expect(page.status).toBe(200);
    expect(page.headers).toEqual(SECURITY_HEADERS);
    expect(page.html).toContain('<form method="post"><input type="hidden" name="op" value="approve">');
    expect(page.html).toContain(`<input type="hidden" name="t" value="${w.approve.t}">`);
    expect(page.html).toContain('Approve: set pump-7 to slow</button>');
    await w.answer({ method: 'get', fields: w.approve });
    expect(w.actuator.calls).toEqual({ inspect: 0, apply: 0, restore: 0 });
    expect((await w.guardrails.view(w.id))?.status).toBe('proposed');
  });

  it('acts on POST, once', async () => {
    const w = await world();
    const done = await w.answer({
      method: 'POST',
      fields: w.approve,
      sourceIp: '203.0.113.7',
      userAgent: 'x'.repeat(500),
    });
    expect(done.status).toBe(200);
    expect(done.html).toContain('<h1>Done</h1>');
    expect(done.html).toContain('<tr><th>After</th><td>setting slow</td></tr>');
    expect(w.actuator.settingOf(SIM)).toBe('slow');
    expect((await w.guardrails.view(w.id))?.by).toEqual({
      via: 'link',
      tokenId: expect.any(String),
      sourceIp: '203.0.113.7',
      userAgent: 'x'.repeat(200),
    });
    const again = await w.answer({ method: 'POST', fields: w.approve });
    expect(again.status).toBe(409);
    expect(again.html).toContain('It was carried out already');
    expect(w.actuator.calls.apply).toBe(1);
    // Now the GET page has nothing to approve.
    const shown = await w.answer({ method: 'GET', fields: w.approve });
    expect(shown.html).not.toContain('<form');
    expect(shown.html).toContain('Nothing to approve now: this action is done.');
  });

  it('refuses, saying why and acting on nothing', async () => {
    const w = await world();
    const cases: [Partial<LinkRequest> & { fields: LinkRequest['fields'] }, number, string, Date?][] = [
      [{ method: 'POST', fields: { ...w.approve, op: 'undo' } }, 403, 'This link is for approve, not undo'],
      [
        { method: 'POST', fields: { t: w.token({ target: '440103125380999' }) } },
        403,
        'This link was made for another target',
      ],
      [
        { method: 'POST', fields: { t: w.token({ action: 'ZZZZZZZZZZZZZZZZ' }) } },
        404,
        'There is no action ZZZZZZZZZZZZZZZZ (any more)',
      ],
      [{ method: 'PUT', fields: w.approve }, 405, 'A link answers GET and POST, not PUT'],
      [
        { method: 'POST', fields: w.approve },
        410,
        'This link expired at 2026-11-24T03:30:00.000Z',
        new Date('2026-11-25T00:00:00Z'),
      ],
      [
        { method: 'POST', fields: { t: w.token({}, new LinkSigner('o'.repeat(32))) } },
        403,
        'This link was altered',
      ],
      [{ method: 'POST', fields: { t: 'garbage' } }, 403, 'This link is incomplete'],
      [{ method: 'GET', fields: {} }, 400, 'This link has no token'],
    ];
    for (const [request, status, why, at] of cases) {
      const page = await w.answer(request, at);
      expect([page.status, page.html]).toEqual([status, expect.stringContaining(why)]);
      expect(page.html).toContain('Nothing was done.');
      expect(page.headers).toEqual(SECURITY_HEADERS);
    }
    expect(w.actuator.calls).toEqual({ inspect: 0, apply: 0, restore: 0 });
  });

  it('escapes what the alert and the adapter wrote into the page', async () => {
    const w = await world({
      budget: '<script>alert(1)</script>',
      resourceName: '"><img src=x onerror=alert(2)>',
    });
    const page = await w.answer({ method: 'GET', fields: w.approve });
    expect(page.status).toBe(200);
    expect(page.html).not.toMatch(/<script|<img/);
    expect(page.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.html).toContain('set &quot;&gt;&lt;img src=x onerror=alert(2)&gt; to slow');
    const done = await w.answer({ method: 'POST', fields: w.approve });
    expect(done.html).not.toMatch(/<script|<img/);
  });
});
