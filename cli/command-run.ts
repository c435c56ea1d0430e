/**
 * What check, status, report and demo share: the config, the moment to replay, and one way to run
 * the check. With --simulate the command runs inside the demo world: loopback simulators stand in for
 * the providers and every account of the config is pointed at its simulator.
 */

import type { Guardrails } from '../lib/actions/guardrails.ts';
import type { ChargebackOutcome } from '../lib/chargeback/chargeback.ts';
import { runCheck } from '../lib/check/run-check.ts';
import type { CheckDependencies, CheckOptions, CheckReport } from '../lib/check/types.ts';
import type { Config } from '../lib/config/config.ts';
import { loadConfig } from '../lib/config/load.ts';
import { jsonLogger, type Logger } from '../lib/log/index.ts';
import { type AlertPublisher, MemoryPublisher } from '../lib/notify/publisher.ts';
import { type SecretBackend, SecretResolver } from '../lib/secrets/index.ts';
import { HealthTracker } from '../lib/state/account-health.ts';
import { FsObjectStore } from '../lib/state/fs-store.ts';
import { KeptReadings } from '../lib/state/kept-readings.ts';
import { AlertLedger } from '../lib/state/ledger.ts';
import type { ObjectStore } from '../lib/state/store.ts';
import { type Clock, fixedClock, systemClock } from '../lib/time/clock.ts';
import type { DemoInbox } from './demo/inbox.ts';
import { LOCAL_ACTIONS_PORT } from './local-links.ts';
import type { Progress } from './progress.ts';
import type { TerminalLog } from './terminal-log.ts';
import { UsageError } from './usage-error.ts';

export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Transient progress on stderr; absent (or a no-op) when stderr is not a terminal. */
  progress?: Progress;
  /** When stderr is a terminal: readable log lines, each error once (absent: JSON lines). */
  terminal?: TerminalLog;
}

export interface RunFlags {
  config: string;
  now?: string;
  simulate?: boolean;
  verbose?: boolean;
  /** Keep alert state in this folder (filesystem store, same semantics as S3). */
  state?: string;
  /** Publish delivered alerts to this SNS topic (else they are only printed). */
  topicArn?: string;
  /** A deployment's state bucket and prefix, for the actions commands (instead of --state). */
  bucket?: string;
  prefix?: string;
}

export interface CommandRun {
  config: Config;
  /** The moment replayed: --now, else the demo's moment under --simulate, else the current time. */
  clock: Clock;
  logger: Logger;
  /**
   * runCheck with this run's clock, secrets and logger, showing "reading accounts n/m" on a terminal.
   * Alerts go to `with.publisher`, else to the --topic-arn topic, else nowhere but the report.
   */
  check(
    options?: CheckOptions,
    with_?: Partial<Pick<CheckDependencies, 'publisher' | 'enrich'>>,
  ): Promise<CheckReport>;
  secrets: SecretResolver;
  /** Under --simulate: the local SNS mailbox the demo publishes to. */
  inbox?: DemoInbox;
  /** Guardrails over --state DIR (undefined without it); notices go to `publisher`, else as alerts do. */
  guardrails(publisher?: AlertPublisher): Promise<Guardrails | undefined>;
  /** The store of --state or --bucket, for listing actions. */
  store(): Promise<ObjectStore | undefined>;
  /** Where alerts go: the --topic-arn topic, else nowhere but the report. */
  publisher(): Promise<AlertPublisher>;
  /** Under --simulate: what the billing-CSV ingest recorded in Kill Bill (accounts with `chargeback`). */
  chargeback?: ChargebackOutcome[];
}

export async function withCommandRun<T>(
  flags: RunFlags,
  io: CommandIo,
  body: (run: CommandRun) => Promise<T>,
): Promise<T> {
  if (!flags.simulate) {
    const clock = clockFrom(flags.now);
    return body(commandRun(await loadConfig(flags.config), clock, new SecretResolver(), flags, io));
  }
  const { DEMO_NOW, startDemoWorld } = await import('./demo/scenario.ts');
  const clock = clockFrom(flags.now ?? DEMO_NOW);
  const config = await loadConfig(flags.config);
  const world = await startDemoWorld(clock.now());
  try {
    const simulated = Object.keys(world.baseUrls);
    const missing = config.accounts.filter((a) => !simulated.includes(a.id)).map((a) => a.id);
    if (missing.length > 0) {
      throw new UsageError(
        `--simulate has no simulator for account ${missing.map((id) => `"${id}"`).join(', ')}; it simulates ${simulated.join(', ')} (try --config examples/demo.yaml)`,
      );
    }
    for (const account of config.accounts) account.baseUrl = world.baseUrls[account.id];
    // Two lines, so the notice fits a terminal of 120 columns beside the status table.
    io.err(
      `Simulating ${simulated.join(', ')} on local simulators\nat ${clock.now().toISOString()} (pass --now to replay another moment).`,
    );
    const secrets = new SecretResolver(simulatedSecrets(config, world.credentials));
    const logger = loggerFor(flags, io);
    const { startDemoAws } = await import('./demo/aws.ts');
    const aws = await startDemoAws(config, clock, logger, secrets);
    try {
      return await body(commandRun(config, clock, secrets, flags, io, aws));
    } finally {
      await aws.stop();
    }
  } finally {
    await world.stop();
  }
}

/**
 * Under --simulate every credential reference of the config resolves to what its account's simulator
 * accepts, whatever the config names it (env:MY_TOKEN, ssm:/prod/fastly...): a real config can be
 * replayed against the demo world without exporting the demo's variable names.
 */
function simulatedSecrets(
  config: Config,
  credentials: Record<string, Record<string, string>>,
): SecretBackend[] {
  // The demo's links are signed with a key made for it, which signs nothing anywhere else.
  const byRef = new Map<string, string>([['env:SPENDWATCH_ACTION_KEY', DEMO_ACTION_SIGNING_KEY]]);
  for (const account of config.accounts)
    for (const [field, ref] of Object.entries(account.credentials)) {
      const value = credentials[account.id]?.[field];
      if (value !== undefined) byRef.set(ref, value);
    }
  return (['env', 'ssm', 'secretsmanager'] as const).map((scheme) => ({
    scheme,
    async fetch(name: string) {
      const value = byRef.get(`${scheme}:${name}`);
      if (value === undefined) throw new Error(`the simulated world has no credential for ${scheme}:${name}`);
      return value;
    },
  }));
}

function commandRun(
  config: Config,
  clock: Clock,
  secrets: SecretResolver,
  flags: RunFlags,
  io: CommandIo,
  simulated?: SimulatedAws,
): CommandRun {
  const logger = loggerFor(flags, io);
  // The AWS SDK is loaded only when alerts go to SNS: every other command starts without it.
  const defaultPublisher = async (): Promise<AlertPublisher> => {
    if (!flags.topicArn) return new MemoryPublisher();
    const [{ snsClientFromEnv }, { SnsAlertPublisher }] = await Promise.all([
      import('../lib/aws/clients.ts'),
      import('../lib/notify/sns.ts'),
    ]);
    return new SnsAlertPublisher({
      client: snsClientFromEnv(),
      topicArn: flags.topicArn,
      logger,
      render: { timeZone: config.timeZone },
    });
  };
  const guardrailsOver = async (publisher?: AlertPublisher): Promise<Guardrails | undefined> => {
    const store = await storeOf(flags);
    if (!store) return undefined;
    const { guardrailsFor } = await import('../lib/runtime/guardrails.ts');
    return guardrailsFor(config, {
      store,
      clock,
      logger,
      secrets,
      publisher: publisher ?? (await defaultPublisher()),
      ...guardrailLinks(simulated !== undefined),
    });
  };
  return {
    config,
    clock,
    logger,
    secrets,
    inbox: simulated?.inbox,
    chargeback: simulated?.chargeback,
    guardrails: guardrailsOver,
    store: () => storeOf(flags),
    publisher: defaultPublisher,
    async check(options = {}, with_ = {}) {
      try {
        const publisher = with_.publisher ?? (await defaultPublisher());
        const { hasActions } = await import('../lib/runtime/guardrails.ts');
        const guardrails = hasActions(config) ? await guardrailsOver(publisher) : undefined;
        return await runCheck(
          config,
          {
            clock,
            logger,
            secrets,
            publisher,
            ...stateIn(flags.state),
            ...(guardrails && { guardrails }),
            ...(simulated && { enrich: simulated.enrich }),
            ...with_,
          },
          {
            ...options,
            onAccountRead: (done, total) => io.progress?.show(`reading accounts ${done}/${total}`),
          },
        );
      } finally {
        io.progress?.clear();
      }
    },
  };
}

/** What --simulate adds: the billing-CSV breakdown, the local SNS mailbox and the chargeback done. */
interface SimulatedAws {
  enrich: NonNullable<CheckDependencies['enrich']>;
  inbox: DemoInbox;
  chargeback: ChargebackOutcome[];
}

function loggerFor(flags: RunFlags, io: CommandIo): Logger {
  if (io.terminal && !flags.verbose) return io.terminal.logger();
  return jsonLogger({ level: flags.verbose ? 'debug' : 'warn', write: (line) => io.err(line) });
}

/**
 * Where the CLI's action links point and what signs them: $SPENDWATCH_ACTIONS_URL (a deployed actionLink
 * function, or \`spendwatch actions serve\`) and the key $SPENDWATCH_ACTION_KEY_REF names (default
 * env:SPENDWATCH_ACTION_KEY). The simulated world serves its links with \`actions serve --simulate\`.
 */
function guardrailLinks(simulated: boolean): { actionsUrl?: string; signingKeyRef: string } {
  const actionsUrl = process.env.SPENDWATCH_ACTIONS_URL ?? (simulated ? LOCAL_ACTIONS_URL : undefined);
  return {
    ...(actionsUrl && { actionsUrl }),
    signingKeyRef: process.env.SPENDWATCH_ACTION_KEY_REF ?? 'env:SPENDWATCH_ACTION_KEY',
  };
}

const DEMO_ACTION_SIGNING_KEY = 'spendwatch-demo-world-only-link-signing-key';

const LOCAL_ACTIONS_URL = `http://127.0.0.1:${LOCAL_ACTIONS_PORT}/`;

/** Where the actions are kept: --state DIR, or a deployment's --bucket (with --prefix, default spendwatch/). */
async function storeOf(flags: RunFlags): Promise<ObjectStore | undefined> {
  if (flags.state !== undefined) return new FsObjectStore(flags.state);
  if (!flags.bucket) return undefined;
  const [{ s3ClientFromEnv }, { S3ObjectStore }] = await Promise.all([
    import('../lib/aws/clients.ts'),
    import('../lib/state/s3-store.ts'),
  ]);
  return new S3ObjectStore({
    client: s3ClientFromEnv(),
    bucket: flags.bucket,
    prefix: flags.prefix ?? 'spendwatch/',
  });
}

/** `--state DIR`: the filesystem store, with the same exclusive-create semantics as S3. */
function stateIn(dir: string | undefined): Pick<CheckDependencies, 'ledger' | 'health' | 'keptReadings'> {
  if (dir === undefined) return {};
  const store = new FsObjectStore(dir);
  return {
    ledger: new AlertLedger(store),
    health: new HealthTracker(store),
    keptReadings: new KeptReadings(store),
  };
}

/** 1 when something was not watched or not sent: an unreadable account, a broken budget, a failed publish. */
export function exitCodeOf(report: CheckReport): number {
  const failed =
    report.accounts.some((a) => a.status === 'error') ||
    report.budgets.some((b) => b.status === 'error') ||
    report.failed.length > 0;
  return failed ? 1 : 0;
}

function clockFrom(now: string | undefined): Clock {
  if (now === undefined) return systemClock;
  try {
    return fixedClock(now);
  } catch (error) {
    throw new UsageError(`--now ${(error as Error).message}`);
  }
}
