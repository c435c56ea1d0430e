/**
 * The real check against the Soracom simulator, with its state (ledger, health, kept readings) in a
 * filesystem store: run it at any instant, as a scheduled tick would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoracomSimulator } from '../../dev/simulators/soracom.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import type { CheckOptions, CheckReport } from '../../lib/check/types.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import type { AlertPublisher } from '../../lib/notify/publisher.ts';
import { forgetSoracomSessions } from '../../lib/providers/soracom/index.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { HealthTracker } from '../../lib/state/account-health.ts';
import { FsObjectStore } from '../../lib/state/fs-store.ts';
import { KeptReadings } from '../../lib/state/kept-readings.ts';
import { AlertLedger } from '../../lib/state/ledger.ts';

const KEY_ID = 'keyId-world';
const KEY = 'secret-world-authkey';

/** A billing-CSV row of one SIM's data fee on a day of November 2026 (¥0.2 a MB), with its tag columns. */
export const dataUsageRow = (imsi: string, day: number, amount: number, tags: Record<string, string>) => ({
  imsi,
  date: `202611${day}`,
  billItemName: 'Data usage fee (plan-D)',
  unitPrice: '0.2',
  quantity: String(amount * 5),
  amount: String(amount),
  ...tags,
});

/** The simulator's account in a config: id fleet-jp, credentials from env:KEY_ID / env:KEY. */
export const soracomAccount = (baseUrl: string, extra = '') => `  - id: fleet-jp
    provider: soracom
    baseUrl: ${baseUrl}${extra ? `\n    ${extra}` : ''}
    credentials: { authKeyId: env:KEY_ID, authKey: env:KEY }`;

export class SoracomCheckWorld {
  /** The simulator's (and the check's) current instant. */
  now: Date;

  private constructor(
    readonly sim: SoracomSimulator,
    readonly dir: string,
    start: Date,
  ) {
    this.now = start;
  }

  /** `daily`: yyyyMMdd → yen, as SoracomSimulator takes it. */
  static async start(start: Date, daily: Record<string, number>): Promise<SoracomCheckWorld> {
    forgetSoracomSessions();
    let world: SoracomCheckWorld | undefined;
    const sim = new SoracomSimulator({ authKeys: { [KEY_ID]: KEY }, now: () => world!.now, daily });
    await sim.start();
    world = new SoracomCheckWorld(sim, await mkdtemp(join(tmpdir(), 'spendwatch-world-')), start);
    return world;
  }

  /** One check at `at` with the config `yaml(simulator base URL)` gives; state is kept between runs. */
  run(
    yaml: (baseUrl: string) => string,
    at: Date,
    publisher: AlertPublisher,
    options: CheckOptions = {},
  ): Promise<CheckReport> {
    this.now = at;
    const store = new FsObjectStore(this.dir);
    return runCheck(
      parseConfig(yaml(this.sim.baseUrl)),
      {
        clock: { now: () => at },
        logger: memoryLogger(),
        secrets: new SecretResolver([envBackend({ KEY_ID, KEY })]),
        publisher,
        ledger: new AlertLedger(store),
        health: new HealthTracker(store),
        keptReadings: new KeptReadings(store),
        http: { retry: { maxAttempts: 1, budgetMs: 2_000 } },
      },
      options,
    );
  }

  async stop(): Promise<void> {
    await this.sim.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
