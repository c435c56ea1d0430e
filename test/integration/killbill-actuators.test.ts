import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KillBillSimulator } from '../../dev/simulators/killbill.ts';
import type { ActionTarget, Actuator } from '../../lib/actions/actuator.ts';
import { killbill } from '../../lib/providers/killbill/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { accountForTest, contextForTest, providerErrorOf } from '../support/providers.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
const credentials = {
  username: 'admin',
  password: 'password-9f8e7d',
  apiKey: 'tenant',
  apiSecret: 'secret-1a2b3c',
};
const ACME = '5d0c9e2a-7b41-4f3e-9a6d-2e8b1c4f7a90';
const API_SUB = 'c3e1a7b5-0d2f-4c6e-8b9a-1f3d5e7a9c2b';
const PLATFORM_SUB = '8a2c4e6f-1b3d-4f5a-9e7c-3b5d7f9a1c2e';
const OLD_SUB = '1b3d5f7a-9c2e-4a6b-8d0f-2a4c6e8a0b1d';
const OTHER_SUB = '365987b2-5443-47e4-a467-c8962fc6995c';

const customer = (resourceId = 'acme'): ActionTarget => ({
  accountId: 'killbill-test',
  resourceId,
  resourceName: 'Acme Corp',
  resourceType: 'customer',
});
const subscription = (resourceId: string): ActionTarget => ({ accountId: 'killbill-test', resourceId });

describe('Kill Bill guardrail block against the loopback simulator', () => {
  let sim: KillBillSimulator;

  beforeEach(async () => {
    sim = new KillBillSimulator({
      ...credentials,
      subscriptions: [OTHER_SUB],
      accounts: [
        {
          accountId: ACME,
          externalKey: 'acme',
          subscriptions: [API_SUB, PLATFORM_SUB, OLD_SUB],
          plans: { [PLATFORM_SUB]: 'platform-monthly' },
          states: { [OLD_SUB]: 'CANCELLED' },
          customFields: { 'spendwatch-cap': '2000', crm: 'A-17' },
        },
      ],
      now: () => NOW,
    });
    await sim.start();
  });
  afterEach(() => sim.stop());

  const block = (http = {}): Actuator =>
    killbill.actuators!.block!.connect(
      accountForTest(killbill, { baseUrl: sim.url, createdBy: 'guardrails' }, credentials),
      contextForTest(credentials, fixedClock(NOW), http),
    );
  const spendwatchState = (id: string) => sim.blockingState(id, 'spendwatch');

  it("blocks a customer's live subscriptions and unblocks them, leaving the cancelled one alone", async () => {
    const actuator = block();
    expect(actuator.describe(customer(), {})).toBe('block the subscriptions of customer acme (Acme Corp)');
    const facts = await actuator.inspect(customer());
    expect(facts.groups).toEqual([]);
    expect(facts.tags).toEqual({ 'spendwatch-cap': '2000', crm: 'A-17' });
    expect(facts.state).toEqual({
      summary: '2 subscriptions active, none blocked by spendwatch',
      data: {
        accountId: ACME,
        subscriptions: [
          { subscriptionId: API_SUB, productName: 'API', state: 'ACTIVE' },
          { subscriptionId: PLATFORM_SUB, productName: 'Platform', state: 'ACTIVE' },
          { subscriptionId: OLD_SUB, productName: 'API', state: 'CANCELLED' },
        ],
      },
    });
    expect(sim.blockWrites).toEqual([]);

    const after = await actuator.apply(customer(), {}, facts.state);
    expect(after.summary).toBe('2 subscriptions active, 2 blocked by spendwatch');
    expect([API_SUB, PLATFORM_SUB, OLD_SUB].map((id) => sim.subscriptionState(id))).toEqual([
      'BLOCKED',
      'BLOCKED',
      'CANCELLED',
    ]);
    expect(sim.blockWrites.map((w) => [w.path, w.body])).toEqual(
      [API_SUB, PLATFORM_SUB].map((id) => [
        `/1.0/kb/subscriptions/${id}/block`,
        {
          stateName: 'SPENDWATCH_BLOCKED',
          service: 'spendwatch',
          isBlockChange: true,
          isBlockEntitlement: true,
          isBlockBilling: false,
          type: 'SUBSCRIPTION',
          blockedId: id,
        },
      ]),
    );
    expect(sim.blockWrites[0]?.headers).toMatchObject({
      'x-killbill-createdby': 'guardrails',
      'x-killbill-reason': 'spendwatch guardrail',
    });

    const restored = await actuator.restore(customer(), facts.state);
    expect(restored.summary).toBe('2 subscriptions active, none blocked by spendwatch');
    expect(spendwatchState(API_SUB)).toMatchObject({
      stateName: 'SPENDWATCH_CLEARED',
      isBlockEntitlement: false,
    });
    expect([API_SUB, PLATFORM_SUB].map((id) => sim.subscriptionState(id))).toEqual(['ACTIVE', 'ACTIVE']);
  });

  it('finds the customer by account UUID too, and blocks billing when asked', async () => {
    const actuator = block();
    expect(actuator.describe(customer(ACME), { billing: true })).toContain('billing included');
    const before = (await actuator.inspect(customer(ACME))).state;
    await actuator.apply(customer(ACME), { billing: true }, before);
    expect(spendwatchState(PLATFORM_SUB)).toMatchObject({ isBlockBilling: true, isBlockEntitlement: true });
  });

  it('blocks one subscription of a usage budget, and a block by another service stays', async () => {
    sim.options.blockingStates.push({
      blockedId: API_SUB,
      stateName: 'DUNNING_BLOCKED',
      service: 'dunning',
      isBlockChange: true,
      isBlockEntitlement: true,
      isBlockBilling: false,
      type: 'SUBSCRIPTION',
      effectiveDate: '2026-11-01T00:00:00.000Z',
    });
    const actuator = block();
    expect(actuator.describe(subscription(API_SUB), {})).toBe(`block subscription ${API_SUB}`);
    const facts = await actuator.inspect(subscription(API_SUB));
    expect(facts.state).toEqual({
      summary: '1 subscription active, none blocked by spendwatch',
      data: {
        accountId: ACME,
        subscriptions: [{ subscriptionId: API_SUB, productName: 'API', state: 'BLOCKED' }],
      },
    });
    await actuator.apply(subscription(API_SUB), {}, facts.state);
    await actuator.restore(subscription(API_SUB), facts.state);
    expect(sim.blockWrites.map((w) => w.path)).toEqual([
      `/1.0/kb/subscriptions/${API_SUB}/block`,
      `/1.0/kb/subscriptions/${API_SUB}/block`,
    ]);
    expect(sim.blockingState(API_SUB, 'dunning')?.stateName).toBe('DUNNING_BLOCKED');
    expect(sim.subscriptionState(API_SUB)).toBe('BLOCKED');
    expect(sim.subscriptionState(PLATFORM_SUB)).toBe('ACTIVE');
  });

  it("puts spendwatch's earlier state back rather than clearing it", async () => {
    const actuator = block();
    const first = (await actuator.inspect(customer())).state;
    await actuator.apply(customer(), {}, first);
    // A second block while the first holds: undoing it must leave the first in place.
    const second = (await actuator.inspect(customer())).state;
    await actuator.apply(customer(), { billing: true }, second);
    await actuator.restore(customer(), second);
    expect(spendwatchState(API_SUB)).toMatchObject({
      stateName: 'SPENDWATCH_BLOCKED',
      isBlockBilling: false,
    });
    expect(sim.subscriptionState(API_SUB)).toBe('BLOCKED');
  });

  it('reads bundles and blocking states with extra and null fields', async () => {
    sim.inject(/\/bundles$/, {
      kind: 'rewrite',
      body: (bundles) =>
        (bundles as { subscriptions: Record<string, unknown>[] }[]).map((bundle) => ({
          ...bundle,
          introducedLater: { n: 1 },
          timeline: null,
          subscriptions: bundle.subscriptions.map((s) => ({ ...s, productName: null, quantity: null, x: 1 })),
        })),
    });
    const facts = await block().inspect(customer());
    expect((facts.state.data.subscriptions as unknown[])[0]).toEqual({
      subscriptionId: API_SUB,
      state: 'ACTIVE',
    });
  });

  it('a refused call names the endpoint and status and carries no credential', async () => {
    const unknown = await providerErrorOf(block().inspect(customer('nobody')));
    expect(unknown.message).toContain('GET /1.0/kb/accounts (HTTP 404)');
    const missing = await providerErrorOf(
      block().inspect(subscription('00000000-1111-4222-8333-444444444444')),
    );
    expect(missing.message).toContain('GET /1.0/kb/subscriptions/{subscriptionId} (HTTP 404)');
    const actuator = block();
    const before = (await actuator.inspect(customer())).state;
    sim.inject(/\/block$/, { kind: 'status', status: 400, body: { code: 1, message: 'refused' } }, 1, 'POST');
    const refused = await providerErrorOf(actuator.apply(customer(), {}, before));
    expect(refused.message).toContain('POST /1.0/kb/subscriptions/{subscriptionId}/block (HTTP 400)');
    const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
    for (const message of [unknown.message, missing.message, refused.message])
      for (const secret of [credentials.password, credentials.apiSecret, basic])
        expect(message).not.toContain(secret);
  });

  it('a block that gets a 500 is sent once, and a failure part way names what was already blocked', async () => {
    const actuator = block();
    const before = (await actuator.inspect(customer())).state;
    sim.inject(`/1.0/kb/subscriptions/${API_SUB}/block`, { kind: 'status', status: 500 }, 3);
    const first = await providerErrorOf(actuator.apply(customer(), {}, before));
    expect([first.status, first.attempts]).toEqual([500, 1]);
    expect(sim.blockWrites).toHaveLength(1);

    sim.clearFaults();
    sim.inject(`/1.0/kb/subscriptions/${PLATFORM_SUB}/block`, { kind: 'status', status: 500 }, 3);
    const partWay = actuator.apply(customer(), {}, before);
    await expect(partWay).rejects.toThrow(`1 of 2 subscriptions was already changed (${API_SUB})`);
    expect(sim.calls(`/1.0/kb/subscriptions/${PLATFORM_SUB}/block`, 'POST')).toHaveLength(1);
  });
});
