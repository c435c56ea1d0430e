/**
 * Chaos: seeded random months through the real engine (simulators, runCheck, the alert ledger on the
 * filesystem store, and on radosgw's S3 when SPENDWATCH_S3_ENDPOINT is set). Each scenario scripts two
 * accounts' daily spend (a base, spikes, quiet days), late corrections that lower a past day, provider
 * outages, S3 outages, SNS publish failures, runs killed right after a claim (before or after the
 * publish went out) and two runs overlapping, over ticks twice a day across a month end, then runs
 * recovery ticks with every fault cleared.
 *
 * Ground truth comes from the scripted data alone: a (budget, period, threshold) crossing happened when,
 * at a tick where the engine could see it (provider answering, S3 up, the run not killed before that
 * budget), the provider's month-to-date figure was at or above the threshold. Invariants: every crossing
 * that happened was delivered; none was delivered twice, except once more inside a recorded kill window
 * (a run that died after publishing, before recording it), always with the same dedupKey; nothing was
 * delivered for a crossing that did not happen.
 *
 * A failure prints its seed; `CHAOS_SEED=<seed> npm test -- chaos` replays exactly that scenario.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../lib/alerts/alert.ts';
import { s3ClientFromEnv } from '../../lib/aws/clients.ts';
import { MONITORING_BUDGET } from '../../lib/budgets/budget.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { silentLogger } from '../../lib/log/index.ts';
import type { AlertPublisher } from '../../lib/notify/publisher.ts';
import { forgetSoracomSessions } from '../../lib/providers/soracom/index.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { HealthTracker } from '../../lib/state/account-health.ts';
import { FsObjectStore } from '../../lib/state/fs-store.ts';
import { AlertLedger } from '../../lib/state/ledger.ts';
import { MemoryObjectStore } from '../../lib/state/memory-store.ts';
import { S3ObjectStore } from '../../lib/state/s3-store.ts';
import type { ObjectStore } from '../../lib/state/store.ts';
import { daysInMonth, localDateKey, pad } from '../../lib/time/zoned.ts';
import {
  type AccountRig,
  FaultyStore,
  PROVIDER_NAMES,
  type ProviderName,
  startAccount,
} from '../support/fault-world.ts';

const BASE_SEED = 20261123;
const REPLAY = process.env.CHAOS_SEED === undefined ? undefined : Number(process.env.CHAOS_SEED);
const SCENARIOS = Number(process.env.CHAOS_SCENARIOS ?? 30);
const S3_ENDPOINT = process.env.SPENDWATCH_S3_ENDPOINT;
const S3_SCENARIOS = 3;
const S3_BUCKET = process.env.SPENDWATCH_S3_TEST_BUCKET ?? 'spendwatch-test';

const THRESHOLDS = [25, 50, 65, 80, 90, 100, 120];
const TICKS = 16; // twice a day for eight days
// Outages answer 503 at once; the timeout only has to spare a loaded machine's healthy answers.
const HTTP = { timeoutMs: 5_000, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, budgetMs: 10_000 } };

/** mulberry32: small, fast, and the same sequence for a seed on every machine. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    chance: (p: number) => next() < p,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!,
  };
}

type Kill = 'before-publish' | 'after-publish';

interface Tick {
  at: Date;
  /** Applied just before the tick: the provider revises a past day downwards. */
  corrections: { account: number; day: string; amount: number }[];
  outage: boolean[];
  s3Down: boolean;
  snsDown: boolean;
  kill?: Kill;
  overlap: boolean;
}

interface Scenario {
  seed: number;
  providers: ProviderName[];
  /** Spend per account and day (yyyy-mm-dd), whole units. */
  daily: Record<string, number>[];
  budgets: number[];
  ticks: Tick[];
}

const MONTHS = ['2026-11', '2026-12'];
const days = MONTHS.flatMap((month) => {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  return Array.from({ length: daysInMonth(year, mon) }, (_, i) => `${month}-${pad(i + 1)}`);
});

function generate(seed: number): Scenario {
  const random = prng(seed);
  const providers = [random.pick(PROVIDER_NAMES), random.pick(PROVIDER_NAMES)];
  const daily = providers.map(() => {
    const base = random.int(40, 160);
    const december = random.int(1, 6); // December sometimes burns fast enough to cross again
    return Object.fromEntries(
      days.map((day) => {
        const quiet = random.chance(0.05);
        const spike = random.chance(0.08) ? random.int(3, 8) : 1;
        return [day, quiet ? 0 : base * spike * (day.startsWith('2026-12') ? december : 1)];
      }),
    );
  });
  const budgets = daily.map((spend) => {
    const november = days.filter((d) => d.startsWith('2026-11')).reduce((sum, d) => sum + spend[d]!, 0);
    return Math.max(100, Math.round((november * random.int(70, 200)) / 100));
  });
  const start = Date.UTC(2026, 10, random.int(18, 26), 3);
  const ticks: Tick[] = [];
  for (let i = 0; i < TICKS; i++) {
    const at = new Date(start + i * 12 * 3_600_000);
    const corrections = providers.flatMap((_, account) => {
      if (!random.chance(0.15)) return [];
      const today = localDateKey(at, 'UTC');
      const earlier = days.filter((d) => d < today && d.slice(0, 7) === today.slice(0, 7));
      if (earlier.length === 0) return [];
      const day = random.pick(earlier);
      return [{ account, day, amount: Math.floor((daily[account]![day]! * random.int(0, 50)) / 100) }];
    });
    const exclusive = random.int(0, 99); // at most one of: S3 down, a kill, two overlapping runs
    ticks.push({
      at,
      corrections,
      outage: providers.map(() => random.chance(0.12)),
      s3Down: exclusive < 6,
      kill:
        exclusive >= 6 && exclusive < 16
          ? random.pick(['before-publish', 'after-publish'] as const)
          : undefined,
      overlap: exclusive >= 16 && exclusive < 26,
      snsDown: random.chance(0.12),
    });
  }
  return { seed, providers, daily, budgets, ticks };
}

/** Publishes into the scenario's delivery log; fails, or "kills" its run, when told to. */
class ChaosPublisher implements AlertPublisher {
  mode: 'ok' | 'fail' | Kill = 'ok';
  /** Resolves with the alert at which the run was killed. */
  killed: Promise<Alert>;
  private onKill!: (alert: Alert) => void;

  constructor(
    private readonly log: { dedupKey: string; at: Date }[],
    private readonly at: Date,
  ) {
    this.killed = new Promise((resolve) => {
      this.onKill = resolve;
    });
  }

  async publish(alert: Alert): Promise<{ messageId: string }> {
    if (this.mode === 'fail') throw new Error('ThrottledException: Rate exceeded');
    if (this.mode === 'ok') {
      this.log.push({ dedupKey: alert.dedupKey, at: this.at });
      return { messageId: `chaos-${this.log.length}` };
    }
    if (this.mode === 'after-publish') this.log.push({ dedupKey: alert.dedupKey, at: this.at });
    this.onKill(alert);
    return new Promise(() => {}); // the process is gone: this run never continues
  }
}

interface Outcome {
  faults: Record<string, number>;
  problems: string[];
  /** Per tick: each budget's figure and what was delivered, to read a failure by. */
  trace: string[];
}

async function play(
  scenario: Scenario,
  makeStore: () => Promise<{ store: ObjectStore; cleanup: () => Promise<void> }>,
): Promise<Outcome> {
  forgetSoracomSessions();
  let now = scenario.ticks[0]!.at;
  const tables = scenario.daily.map((table) => ({ ...table }));
  const rigs: AccountRig[] = await Promise.all(
    scenario.providers.map((provider, i) =>
      startAccount(provider, `a${i}-${provider}`, () => now, {
        spend: (day) => tables[i]![day] ?? 0, // October: a closed month with nothing in it
        months: MONTHS,
      }),
    ),
  );
  const { store: inner, cleanup } = await makeStore();
  const faults: Record<string, number> = {};
  const count = (fault: string) => {
    faults[fault] = (faults[fault] ?? 0) + 1;
  };
  try {
    const thresholds = `[${THRESHOLDS.map((p) => `{ at: ${p}% }`).join(', ')}]`;
    const config = parseConfig(
      [
        'accounts:',
        ...rigs.map((r) => `  - ${r.account}`),
        'budgets:',
        ...rigs.map((r, i) => `  - ${r.budget(`b${i}`, thresholds, scenario.budgets[i])}`),
      ].join('\n'),
    );
    const secrets = new SecretResolver([envBackend(Object.assign({}, ...rigs.map((r) => r.env)))]);
    const store = new FaultyStore(inner);
    const delivered: { dedupKey: string; at: Date }[] = [];
    const killWindows: string[] = [];
    const happened = new Set<string>();
    const trace: string[] = [];

    const unreadable = new Set<string>();
    const run = (at: Date, publisher: ChaosPublisher) =>
      runCheck(config, {
        clock: { now: () => at },
        logger: silentLogger,
        secrets,
        publisher,
        ledger: new AlertLedger(store),
        health: new HealthTracker(store),
        http: HTTP,
      }).then((report) => {
        for (const a of report.accounts) if (a.status !== 'ok') unreadable.add(`${a.account.id} ${a.status}`);
      });

    /** Marks the crossings the engine could see at `at` for the budgets (and thresholds) it reached. */
    const observe = (at: Date, reached: (budget: number, threshold: number) => boolean) => {
      const figures: string[] = [];
      rigs.forEach((rig, b) => {
        const today = localDateKey(at, rig.timeZone);
        const month = today.slice(0, 7);
        const figure = Object.entries(tables[b]!)
          .filter(([day]) => day.startsWith(month) && day <= today)
          .reduce((sum, [, amount]) => sum + amount, 0);
        figures.push(
          `b${b}=${figure}/${scenario.budgets[b]}${THRESHOLDS.some((_, t) => reached(b, t)) ? '' : ' (unseen)'}`,
        );
        THRESHOLDS.forEach((percent, t) => {
          if (reached(b, t) && figure * 100 >= scenario.budgets[b]! * percent) {
            happened.add(`b${b}/${month}/actual-${percent}pct`);
          }
        });
      });
      trace.push(`${at.toISOString()} ${figures.join(' ')}`);
    };

    const recovery = [1, 2].map(
      (hours): Tick => ({
        at: new Date(scenario.ticks.at(-1)!.at.getTime() + hours * 3_600_000),
        corrections: [],
        outage: rigs.map(() => false),
        s3Down: false,
        snsDown: false,
        overlap: false,
      }),
    );
    for (const tick of [...scenario.ticks, ...recovery]) {
      now = tick.at;
      for (const { account, day, amount } of tick.corrections) {
        tables[account]![day] = amount;
        rigs[account]!.setSpend(day, amount);
        count('late correction');
      }
      tick.outage.forEach((down, i) => {
        if (!down) return;
        rigs[i]!.sim.inject(rigs[i]!.primary, { kind: 'status', status: 503 }, 100);
        count('provider outage');
      });
      if (tick.s3Down) {
        store.fail(['get', 'list', 'createIfAbsent', 'replaceIfVersion', 'put']);
        count('S3 outage');
      }
      const readable = (b: number) => !tick.outage[b] && !tick.s3Down;
      const publisher = new ChaosPublisher(delivered, tick.at);
      if (tick.snsDown) {
        publisher.mode = 'fail';
        count('SNS failure');
      }
      if (tick.overlap) {
        count('overlapping runs');
        const second = new ChaosPublisher(delivered, tick.at);
        second.mode = publisher.mode;
        await Promise.all([run(tick.at, publisher), run(tick.at, second)]);
        observe(tick.at, readable);
      } else if (tick.kill) {
        publisher.mode = tick.kill;
        const killedAt = await Promise.race([
          run(tick.at, publisher).then(() => undefined),
          publisher.killed,
        ]);
        if (!killedAt) {
          observe(tick.at, readable);
        } else {
          count(`kill ${tick.kill}`);
          if (tick.kill === 'after-publish') killWindows.push(killedAt.dedupKey);
          // Health alerts go out before any budget is evaluated, retried older claims after all of them;
          // a fresh crossing means the budgets before it, and its own thresholds up to it, were reached.
          const retried = killedAt.detectedAt !== tick.at.toISOString();
          const killedBudget = retried
            ? rigs.length
            : killedAt.budget === MONITORING_BUDGET
              ? -1
              : Number(killedAt.budget.slice(1));
          const killedThreshold = THRESHOLDS.findIndex((p) => killedAt.thresholdId === `actual-${p}pct`);
          observe(
            tick.at,
            (b, t) => readable(b) && (b < killedBudget || (b === killedBudget && t <= killedThreshold)),
          );
        }
      } else {
        await run(tick.at, publisher);
        observe(tick.at, readable);
      }
      for (const rig of rigs) rig.sim.clearFaults();
      store.heal();
      const sent = delivered.filter((d) => d.at === tick.at).map((d) => d.dedupKey);
      trace.push(`  delivered: ${sent.join(', ') || '-'}; unreadable: ${[...unreadable].join(', ') || '-'}`);
      unreadable.clear();
    }

    const problems: string[] = [];
    const times = new Map<string, number>();
    for (const { dedupKey } of delivered) {
      if (dedupKey.startsWith(`${MONITORING_BUDGET}/`)) continue;
      times.set(dedupKey, (times.get(dedupKey) ?? 0) + 1);
    }
    for (const key of happened)
      if (!times.has(key)) problems.push(`lost: ${key} happened but was never delivered`);
    for (const [key, n] of times) {
      if (!happened.has(key)) problems.push(`false alert: ${key} was delivered but never happened`);
      const allowed = 1 + killWindows.filter((k) => k === key).length;
      if (n > allowed) problems.push(`duplicate: ${key} delivered ${n} times (${allowed - 1} kill windows)`);
    }
    return { faults, problems, trace };
  } finally {
    await Promise.all(rigs.map((r) => r.stop()));
    await cleanup();
  }
}

const fsStore = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spendwatch-chaos-'));
  return { store: new FsObjectStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
};

const s3 = S3_ENDPOINT ? s3ClientFromEnv() : undefined;
const s3Store = async () => {
  await s3!.send(new CreateBucketCommand({ Bucket: S3_BUCKET })).catch(() => undefined);
  return {
    store: new S3ObjectStore({ client: s3!, bucket: S3_BUCKET, prefix: `chaos-${randomUUID()}` }),
    cleanup: async () => {},
  };
};

function describeScenario(s: Scenario): string {
  const faults = s.ticks.map((t, i) =>
    [
      t.corrections.length ? `corr${t.corrections.length}` : '',
      t.outage.some(Boolean) ? `out[${t.outage.map(Number).join('')}]` : '',
      t.s3Down ? 's3' : '',
      t.snsDown ? 'sns' : '',
      t.kill ?? '',
      t.overlap ? 'overlap' : '',
    ]
      .filter(Boolean)
      .map((f) => `${i}:${f}`)
      .join(','),
  );
  return `${s.providers.join('+')} budgets ${s.budgets.join('/')} from ${s.ticks[0]!.at.toISOString()}; ${faults.filter(Boolean).join(' ')}`;
}

describe('chaos: seeded months with faults, kills and overlapping runs', () => {
  const totals: Record<string, number> = {};
  let played = 0;
  afterAll(() => {
    const faults = Object.entries(totals)
      .map(([fault, n]) => `${n} ${fault}`)
      .join(', ');
    console.log(
      `chaos: ${played} scenarios, ${Object.values(totals).reduce((a, b) => a + b, 0)} faults (${faults})`,
    );
  });

  const seeds = (count: number) =>
    REPLAY !== undefined ? [REPLAY] : Array.from({ length: count }, (_, i) => BASE_SEED + i);
  const stores = [
    { store: 'filesystem store', make: fsStore, scenarios: SCENARIOS, timeoutMs: 20_000, concurrent: false },
    // A real S3 answers in tens of milliseconds per request: fewer scenarios, more time each, run side by
    // side (each has its own prefix, simulators and clock).
    ...(S3_ENDPOINT
      ? [
          {
            store: `S3 at ${S3_ENDPOINT}`,
            make: s3Store,
            scenarios: S3_SCENARIOS,
            timeoutMs: 120_000,
            concurrent: true,
          },
        ]
      : []),
  ];
  for (const { store, make, scenarios, timeoutMs, concurrent } of stores) {
    (concurrent ? it.concurrent : it).each(seeds(scenarios))(
      `seed %i (${store}): every crossing delivered, once, and only crossings`,
      async (seed) => {
        const scenario = generate(seed);
        const { faults, problems, trace } = await play(scenario, make);
        played += 1;
        for (const [fault, n] of Object.entries(faults)) totals[fault] = (totals[fault] ?? 0) + n;
        expect(
          problems,
          `chaos seed ${seed} failed; replay with CHAOS_SEED=${seed} npm test -- chaos\n  ${describeScenario(scenario)}\n  ${trace.join('\n  ')}`,
        ).toEqual([]);
      },
      timeoutMs,
    );
  }
});

/** The losses the chaos runs found, pinned as plain cases: a claim nobody finished must still go out. */
describe('alerts claimed and never sent go out from their record', () => {
  const failing: AlertPublisher = {
    publish: async () => {
      throw new Error('ThrottledException: Rate exceeded');
    },
  };

  async function world(spend: (day: string) => number, thresholds: string, extra = '') {
    let now = new Date('2026-11-25T03:00:00Z');
    const rig = await startAccount('soracom', 'fleet', () => now, { spend, months: MONTHS });
    const store = new MemoryObjectStore();
    const config = parseConfig(
      `accounts:\n  - ${rig.account}\nbudgets:\n  - ${rig.budget('fleet', thresholds, 30000)}\n${extra}`,
    );
    const delivered: string[] = [];
    const recording: AlertPublisher = {
      publish: async (alert) => {
        delivered.push(alert.dedupKey);
        return { messageId: String(delivered.length) };
      },
    };
    const run = (at: string, publisher: AlertPublisher) => {
      now = new Date(at);
      return runCheck(config, {
        clock: { now: () => now },
        logger: silentLogger,
        secrets: new SecretResolver([envBackend(rig.env)]),
        publisher,
        ledger: new AlertLedger(store),
        health: new HealthTracker(store),
        http: HTTP,
      });
    };
    return { rig, run, delivered, recording, failing };
  }

  it('after its publish failed, even though a late correction took the figure back under', async () => {
    forgetSoracomSessions();
    const { rig, run, delivered, recording } = await world(() => 1000, '[{ at: 80% }]');
    try {
      // Nov 25 JST: ¥25,000 of ¥30,000 crosses 80 %; SNS refuses the publish.
      const first = await run('2026-11-25T03:00:00Z', failing);
      expect(first.failed.map((f) => f.alert.dedupKey)).toEqual(['fleet/2026-11/actual-80pct']);
      // Soracom revises two days: ¥23,000 is under 80 % again.
      rig.setSpend('2026-11-20', 0);
      rig.setSpend('2026-11-21', 0);
      const next = await run('2026-11-25T06:00:00Z', recording);
      expect(next.budgets[0]).toMatchObject({ status: 'evaluated', evaluation: { crossings: [] } });
      expect(delivered).toEqual(['fleet/2026-11/actual-80pct']);
      await run('2026-11-25T09:00:00Z', recording);
      expect(delivered).toHaveLength(1);
    } finally {
      await rig.stop();
    }
  });

  it('left at the end of a month, in the next one', async () => {
    forgetSoracomSessions();
    const { rig, run, delivered, recording } = await world(() => 1000, '[{ at: 80% }]');
    try {
      await run('2026-11-30T14:00:00Z', failing); // Nov 30 23:00 JST
      await run('2026-11-30T16:00:00Z', recording); // Dec 1 01:00 JST: November no longer evaluated
      expect(delivered).toEqual(['fleet/2026-11/actual-80pct']);
    } finally {
      await rig.stop();
    }
  });

  it('a monitoring-gap alert, which is raised only once per outage', async () => {
    forgetSoracomSessions();
    const { rig, run, delivered, recording } = await world(
      () => 1000,
      '[{ at: 500% }]',
      'monitoring: { gapAfterHours: 1 }',
    );
    try {
      rig.sim.inject(rig.primary, { kind: 'status', status: 503 }, 1000);
      await run('2026-11-25T03:00:00Z', recording);
      await run('2026-11-25T05:00:00Z', failing); // the gap is raised now, and its publish fails
      await run('2026-11-25T07:00:00Z', recording);
      expect(delivered).toEqual(['monitoring/fleet/2026-11-25T03:00:00.000Z/gap']);
    } finally {
      await rig.stop();
    }
  });
});
