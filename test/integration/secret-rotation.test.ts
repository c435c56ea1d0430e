/**
 * A credential rotated while a Lambda container is warm: the provider refuses the cached value, the
 * check asks the store again and reads with the new one in the same run; a refusal of a value the store
 * still holds is not retried (it would be refused again).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastlySimulator } from '../../dev/simulators/fastly.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { type AccountRig, startAccount } from '../support/fault-world.ts';

const NOW = new Date('2026-11-25T03:00:00Z');

describe('a rotated provider credential', () => {
  let rig: AccountRig;
  let sim: FastlySimulator;

  beforeAll(async () => {
    rig = await startAccount('fastly', 'cdn', () => NOW);
    sim = rig.sim as FastlySimulator;
  });
  afterAll(() => rig.stop());

  const check = (secrets: SecretResolver) =>
    runCheck(
      parseConfig(`accounts:\n  - ${rig.account}\nbudgets:\n  - ${rig.budget('cdn', '[{ at: 50% }]')}\n`),
      {
        clock: { now: () => NOW },
        logger: memoryLogger(),
        secrets,
        publisher: new MemoryPublisher(),
        http: { timeoutMs: 3_000, retry: { maxAttempts: 1 } },
      },
    );

  it('is read with the rotated value in the same run, the cached one dropped', async () => {
    const env = { ...rig.env };
    const secrets = new SecretResolver([envBackend(env)]);
    expect((await check(secrets)).accounts[0]?.status).toBe('ok');

    // Rotated at Fastly and in the store; the container still holds the old value.
    const [name] = Object.keys(env) as [string];
    const rotated = `${env[name]}-rotated`;
    sim.options.apiTokens = [rotated];
    env[name] = rotated;
    const before = sim.requests.length;
    const report = await check(secrets);
    expect(report.accounts[0]?.status).toBe('ok');
    expect(report.delivered.map((a) => a.budget)).toEqual(['cdn']);
    const refused = sim.requests.slice(before).filter((r) => r.headers['fastly-key'] !== rotated);
    expect(refused).toHaveLength(1);
  });

  it('is not asked twice with a value the store still holds', async () => {
    sim.options.apiTokens = ['revoked-everywhere'];
    const before = sim.requests.length;
    const report = await check(new SecretResolver([envBackend({ ...rig.env })]));
    expect(report.accounts[0]).toMatchObject({ status: 'error' });
    expect(sim.requests.length - before).toBe(1);
  });
});
