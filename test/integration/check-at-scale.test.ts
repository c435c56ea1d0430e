/**
 * The bench's world (dev/scale-world.ts) through the real check, so bench:check cannot rot: every
 * account of every provider is read, each endpoint once per account and run (polite to providers),
 * each crossing is delivered once, and a run with nothing new costs S3 one read per account and
 * per open forecast threshold, plus one list, and writes nothing.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CountingStore } from '../../dev/counting-store.ts';
import { SCALE_NOW, type ScaleWorld, scaleConfig, startScaleWorld } from '../../dev/scale-world.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { silentLogger } from '../../lib/log/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { HealthTracker } from '../../lib/state/account-health.ts';
import { AlertLedger } from '../../lib/state/ledger.ts';
import { MemoryObjectStore } from '../../lib/state/memory-store.ts';
import { fixedClock } from '../../lib/time/clock.ts';

const ACCOUNTS = 40;

describe('the check over 40 accounts of the bench world', () => {
  let world: ScaleWorld;
  beforeAll(async () => {
    world = await startScaleWorld(0);
  });
  afterAll(() => world?.stop());

  it('reads each account once per endpoint, delivers each crossing once, and a quiet run writes nothing', async () => {
    const { config: raw, env } = scaleConfig(ACCOUNTS, world.baseUrls);
    const config = parseConfig(stringify(raw));
    const store = new CountingStore(new MemoryObjectStore());
    const publisher = new MemoryPublisher();
    const deps = {
      clock: fixedClock(SCALE_NOW),
      logger: silentLogger,
      secrets: new SecretResolver([envBackend(env)]),
      publisher,
      ledger: new AlertLedger(store),
      health: new HealthTracker(store),
    };

    const first = await runCheck(config, deps, { concurrency: 3 });
    expect(first.accounts.filter((a) => a.status !== 'ok')).toEqual([]);
    expect(first.budgets.every((b) => b.status === 'evaluated')).toBe(true);
    // Every tenth account's month budget is half its spend: both its thresholds cross.
    expect(publisher.published).toHaveLength((ACCOUNTS / 10) * 2);
    const endpointsPerAccount = new Map<string, number>();
    for (const simulator of Object.values(world.simulators))
      for (const request of simulator.requests) {
        const endpoint = `${request.method} ${request.path}?${request.query}`;
        endpointsPerAccount.set(endpoint, (endpointsPerAccount.get(endpoint) ?? 0) + 1);
      }
    // Soracom signs in once per auth key, and the world's Soracom accounts share one.
    expect(endpointsPerAccount.get('POST /v1/auth?')).toBe(1);
    endpointsPerAccount.delete('POST /v1/auth?');
    // Ten accounts a provider, all asking the same paths of the same simulator: each path ten times.
    expect(new Set(endpointsPerAccount.values())).toEqual(new Set([ACCOUNTS / 4]));

    world.resetCalls();
    store.reset();
    const second = await runCheck(config, deps, { concurrency: 3 });
    expect(second.delivered).toEqual([]);
    expect(second.suppressed.map((s) => s.reason)).toEqual(
      Array.from({ length: (ACCOUNTS / 10) * 2 }, () => 'already-sent'),
    );
    const openForecasts = second.budgets.filter(
      (b) => b.status === 'evaluated' && b.budget.endsWith('-forecast'),
    );
    expect(store.counts).toEqual({
      // Health per account, the forecast threshold's record per forecast budget, each crossing's record.
      get: ACCOUNTS + openForecasts.length + (ACCOUNTS / 10) * 2,
      put: 0,
      // The open claims, once.
      list: 1,
      delete: 0,
    });
  });
});
