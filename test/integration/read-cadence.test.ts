/**
 * `readEveryMinutes`: an account is read at most that often; the runs in between evaluate its kept
 * reading (from the state store), so budgets are still checked every run and alerts still go out
 * once, with the provider figure's own as-of time. Real check, Soracom simulator, filesystem store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import { HealthTracker } from '../../lib/check/health.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { forgetSoracomSessions } from '../../lib/providers/soracom/index.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { FsObjectStore } from '../../lib/state/fs-store.ts';
import { AlertLedger } from '../../lib/state/ledger.ts';
import { SnapshotCache } from '../../lib/state/snapshot-cache.ts';

const config = (baseUrl: string) =>
  parseConfig(`
accounts:
  - id: fleet-jp
    provider: soracom
    baseUrl: ${baseUrl}
    readEveryMinutes: 60
    credentials: { authKeyId: env:KEY_ID, authKey: env:KEY }
budgets:
  - name: fleet
    account: fleet-jp
    amount: 30000
    currency: JPY
    thresholds: [{ at: 50% }, { at: 100% }]
`);

describe('accounts read at most every readEveryMinutes', () => {
  let sim: SoracomSimulator;
  let now: Date;
  let dir: string;
  let publisher: MemoryPublisher;
  beforeEach(async () => {
    forgetSoracomSessions();
    publisher = new MemoryPublisher();
    now = new Date('2026-11-10T03:00:00Z');
    sim = new SoracomSimulator({
      authKeys: { k: 'secret-cadence-authkey' },
      now: () => now,
      daily: monthOfDays('202611', () => 1000),
    });
    await sim.start();
    dir = await mkdtemp(join(tmpdir(), 'spendwatch-cadence-'));
  });
  afterEach(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (at: Date, options: { dryRun?: boolean } = {}) => {
    now = at;
    const store = new FsObjectStore(dir);
    return runCheck(
      config(sim.baseUrl),
      {
        clock: { now: () => at },
        logger: memoryLogger(),
        secrets: new SecretResolver([envBackend({ KEY_ID: 'k', KEY: 'secret-cadence-authkey' })]),
        publisher,
        ledger: new AlertLedger(store),
        health: new HealthTracker(store),
        snapshots: new SnapshotCache(store),
        http: { retry: { maxAttempts: 1, budgetMs: 2_000 } },
      },
      options,
    );
  };
  const at = (iso: string) => new Date(iso);
  const billReads = () => sim.calls(/\/bills\/latest$/).length;

  it('reads once per interval and evaluates the kept reading in between', async () => {
    const first = await run(at('2026-11-10T03:00:00Z'));
    expect(billReads()).toBe(1);
    expect(first.accounts[0]).toMatchObject({ status: 'ok' });
    expect(first.accounts[0]).not.toHaveProperty('keptFrom');

    // The provider moves on, but the next two runs are inside the hour: no request, same figure.
    sim.setDay('20261110', 6000);
    for (const time of ['2026-11-10T03:15:00Z', '2026-11-10T03:59:00Z']) {
      const report = await run(at(time));
      expect(report.accounts[0]).toMatchObject({ status: 'ok', keptFrom: at('2026-11-10T03:00:00Z') });
      expect(report.budgets[0]).toMatchObject({ status: 'evaluated' });
    }
    expect(billReads()).toBe(1);
    expect(publisher.published.map((a) => a.thresholdId)).toEqual([]);

    // An hour on, the account is read again and the ¥5,000 jump crosses 50 %, alerted once.
    await run(at('2026-11-10T04:00:00Z'));
    await run(at('2026-11-10T04:15:00Z'));
    expect(billReads()).toBe(2);
    expect(publisher.published.map((a) => a.thresholdId)).toEqual(['actual-50pct']);
  });

  it('always reads on a dry run, after a failed read, and in a new period', async () => {
    await run(at('2026-11-10T03:00:00Z'));
    await run(at('2026-11-10T03:15:00Z'), { dryRun: true });
    expect(billReads()).toBe(2);

    // A failed read is not hidden behind the old reading, and the next run reads again.
    sim.inject(/\/bills\/latest$/, { kind: 'status', status: 503 }, 1);
    const failed = await run(at('2026-11-10T04:00:00Z'));
    expect(failed.accounts[0]).toMatchObject({ status: 'error' });
    const retried = await run(at('2026-11-10T04:15:00Z'));
    expect(retried.accounts[0]).toMatchObject({ status: 'ok' });
    expect(retried.accounts[0]).not.toHaveProperty('keptFrom');

    // December: November's reading is never evaluated against December's budget.
    const reads = billReads();
    await run(at('2026-11-30T15:10:00Z')); // 00:10 JST on Dec 1
    expect(billReads()).toBe(reads + 1);
  });
});
