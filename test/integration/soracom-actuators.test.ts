import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SoracomSimulator } from '../../dev/simulators/soracom.ts';
import type { ActionTarget, Actuator } from '../../lib/actions/actuator.ts';
import { forgetSoracomSessions, soracom } from '../../lib/providers/soracom/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { accountForTest, contextForTest, providerErrorOf } from '../support/providers.ts';

const NOW = new Date('2026-11-23T03:30:00Z');
const credentials = { authKeyId: 'keyId-actions', authKey: 'secret-actuator-0123456789' };
const SENSOR = { simId: '8981100000012345678', imsi: '440101234567890' };
const GATEWAY = { simId: '8981100000087654321', imsi: '440109876543210' };

describe('Soracom guardrail actions against the loopback simulator', () => {
  let sim: SoracomSimulator;

  beforeEach(async () => {
    forgetSoracomSessions();
    sim = new SoracomSimulator({
      authKeys: { [credentials.authKeyId]: credentials.authKey },
      now: () => NOW,
      sims: [
        {
          ...SENSOR,
          speedClass: 's1.fast',
          status: 'active',
          groupId: 'grp-sensors',
          tags: { name: 'sensor-17', site: 'osaka' },
        },
        { ...GATEWAY, speedClass: 's1.standard', status: 'ready' },
      ],
    });
    await sim.start();
  });
  afterEach(() => sim.stop());

  const actuator = (kind: 'speedClass' | 'standby'): Actuator =>
    soracom.actuators![kind]!.connect(
      accountForTest(soracom, { baseUrl: sim.baseUrl }, credentials),
      contextForTest(credentials, fixedClock(NOW)),
    );
  const target = (resourceId: string, resourceName?: string): ActionTarget => ({
    accountId: 'soracom-test',
    resourceId,
    ...(resourceName && { resourceName }),
  });

  it('slows a SIM named by IMSI and restores its speed class', async () => {
    const slow = actuator('speedClass');
    const sensor = target(SENSOR.imsi, 'sensor-17');
    expect(slow.describe(sensor, { to: 's1.minimum' })).toBe(
      'slow SIM 440101234567890 (sensor-17) to s1.minimum',
    );
    const facts = await slow.inspect(sensor);
    expect(facts).toEqual({
      state: { summary: 'speed class s1.fast', data: { simId: SENSOR.simId, speedClass: 's1.fast' } },
      groups: ['grp-sensors'],
      tags: { name: 'sensor-17', site: 'osaka' },
    });
    // The IMSI was resolved to the SIM ID once, then the SIM read by its ID.
    expect(sim.calls(`/v1/subscribers/${SENSOR.imsi}`)).toHaveLength(1);
    expect(sim.simWrites).toEqual([]);

    const after = await slow.apply(sensor, { to: 's1.minimum' }, facts.state);
    expect(after).toEqual({
      summary: 'speed class s1.minimum',
      data: { simId: SENSOR.simId, speedClass: 's1.minimum' },
    });
    expect(sim.sim(SENSOR.simId)?.speedClass).toBe('s1.minimum');
    expect(sim.simWrites.map((w) => [w.path, w.body])).toEqual([
      [`/v1/sims/${SENSOR.simId}/update_speed_class`, { speedClass: 's1.minimum' }],
    ]);

    const restored = await slow.restore(sensor, facts.state);
    expect(restored.data).toEqual({ simId: SENSOR.simId, speedClass: 's1.fast' });
    expect(sim.sim(SENSOR.simId)?.speedClass).toBe('s1.fast');
  });

  it('puts a SIM named by SIM ID in standby and back to active; inspect reads it fresh', async () => {
    const standby = actuator('standby');
    const sensor = target(SENSOR.simId);
    expect(standby.describe(sensor, {})).toBe(`put SIM ${SENSOR.simId} in standby`);
    const before = await standby.inspect(sensor);
    expect(before.state).toEqual({
      summary: 'status active',
      data: { simId: SENSOR.simId, status: 'active' },
    });
    expect(sim.calls(/^\/v1\/subscribers\//)).toEqual([]);

    expect((await standby.apply(sensor, {}, before.state)).data.status).toBe('standby');
    expect(sim.sim(SENSOR.simId)?.status).toBe('standby');
    expect((await standby.inspect(sensor)).state.data.status).toBe('standby');

    expect((await standby.restore(sensor, before.state)).data.status).toBe('active');
    expect(sim.simWrites.map((w) => w.path)).toEqual([
      `/v1/sims/${SENSOR.simId}/set_to_standby`,
      `/v1/sims/${SENSOR.simId}/activate`,
    ]);
  });

  it('puts back inactive and suspended SIMs by their own endpoints, and a standby one by none', async () => {
    const standby = actuator('standby');
    const gateway = target(GATEWAY.simId);
    const recorded = (status: string) => ({
      summary: `status ${status}`,
      data: { simId: GATEWAY.simId, status },
    });
    expect((await standby.restore(gateway, recorded('inactive'))).data.status).toBe('inactive');
    expect((await standby.restore(gateway, recorded('suspended'))).data.status).toBe('suspended');
    expect((await standby.restore(gateway, recorded('standby'))).data.status).toBe('suspended');
    expect(sim.simWrites.map((w) => w.path.split('/').at(-1))).toEqual(['deactivate', 'suspend']);
  });

  it('refuses to restore a status no API sets, naming what to do, without writing', async () => {
    const standby = actuator('standby');
    const gateway = target(GATEWAY.imsi);
    const before = await standby.inspect(gateway);
    expect(before.state.data.status).toBe('ready');
    await standby.apply(gateway, {}, before.state);
    const writes = sim.simWrites.length;
    await expect(standby.restore(gateway, before.state)).rejects.toThrow(
      /cannot be put back to status "ready".*Soracom console/,
    );
    expect(sim.simWrites).toHaveLength(writes);
  });

  it('reads a Sim with extra, null and odd fields, needing only the ones it acts on', async () => {
    sim.options.extraFields = true;
    sim.options.nulls = ['groupId', 'moduleType', 'profiles'];
    const facts = await actuator('speedClass').inspect(target(SENSOR.imsi));
    expect(facts.groups).toEqual([]);
    expect(facts.state.data).toEqual({ simId: SENSOR.simId, speedClass: 's1.fast' });

    sim.inject(/\/sims\/[^/]+$/, {
      kind: 'rewrite',
      body: (body) => ({ ...(body as object), tags: { name: 'sensor-17', count: 3 }, status: 'hibernating' }),
    });
    const odd = await actuator('standby').inspect(target(SENSOR.simId));
    expect(odd.tags).toEqual({ name: 'sensor-17' });
    expect(odd.state.data.status).toBe('hibernating');

    sim.inject(/\/sims\/[^/]+$/, {
      kind: 'rewrite',
      body: (body) => ({ ...(body as object), speedClass: null }),
    });
    expect((await providerErrorOf(actuator('speedClass').inspect(target(SENSOR.simId)))).kind).toBe(
      'invalid-response',
    );
  });

  it('a refused write names the endpoint and status and carries no credential', async () => {
    const slow = actuator('speedClass');
    const before = (await slow.inspect(target(SENSOR.simId))).state;
    // A speed class the API does not know (the params schema would refuse it; the API must too).
    const error = await providerErrorOf(
      slow.restore(target(SENSOR.simId), { ...before, data: { ...before.data, speedClass: 'arc.standard' } }),
    );
    expect(error.status).toBe(400);
    expect(error.message).toContain('POST /sims/{sim_id}/update_speed_class (HTTP 400)');
    const unknown = await providerErrorOf(slow.inspect(target('440100000000000')));
    expect(unknown.message).toContain('GET /subscribers/{imsi} (HTTP 404)');
    for (const message of [error.message, unknown.message]) {
      expect(message).not.toContain(credentials.authKey);
      expect(message).not.toContain(credentials.authKeyId);
    }
    for (const token of sim.requests.map((r) => String(r.headers['x-soracom-token'] ?? '')).filter(Boolean))
      expect(`${error.message} ${unknown.message}`).not.toContain(token);
  });

  it('sends a write that gets a 500 exactly once, and retries one refused with 429', async () => {
    const slow = actuator('speedClass');
    const before = (await slow.inspect(target(SENSOR.simId))).state;
    const path = `/v1/sims/${SENSOR.simId}/update_speed_class`;
    sim.inject(
      path,
      { kind: 'status', status: 500, body: { code: 'COM0000', message: 'internal error' } },
      3,
    );
    const error = await providerErrorOf(slow.apply(target(SENSOR.simId), { to: 's1.slow' }, before));
    expect([error.status, error.attempts]).toEqual([500, 1]);
    expect(error.message).toMatch(/sent once.*may have happened/);
    expect(sim.calls(path, 'POST')).toHaveLength(1);

    sim.clearFaults();
    sim.inject(path, SoracomSimulator.rateLimited(0));
    expect((await slow.apply(target(SENSOR.simId), { to: 's1.slow' }, before)).data.speedClass).toBe(
      's1.slow',
    );
    expect(sim.calls(path, 'POST')).toHaveLength(3);
  });

  it('a write that times out is not sent again', async () => {
    const slow = soracom.actuators!.speedClass!.connect(
      accountForTest(soracom, { baseUrl: sim.baseUrl }, credentials),
      contextForTest(credentials, fixedClock(NOW), { timeoutMs: 200 }),
    );
    const before = (await slow.inspect(target(SENSOR.simId))).state;
    const path = `/v1/sims/${SENSOR.simId}/update_speed_class`;
    sim.inject(path, { kind: 'delay', ms: 1_000 }, 3);
    const error = await providerErrorOf(slow.apply(target(SENSOR.simId), { to: 's1.slow' }, before));
    expect(error.kind).toBe('timeout');
    expect(sim.calls(path, 'POST')).toHaveLength(1);
  });

  it('checks the params: a speed class Soracom does not document is refused, naming the allowed ones', () => {
    const { params } = soracom.actuators!.speedClass!;
    expect(params.parse({ to: 's1.minimum' })).toEqual({ to: 's1.minimum' });
    const refused = params.safeParse({ to: 's1.turbo' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toContain('s1.minimum, s1.slow, s1.standard');
    expect(soracom.actuators!.standby!.params.safeParse({ to: 'x' }).success).toBe(false);
  });
});
