/**
 * The fault matrix: every provider × every fault, through the real runCheck with two accounts of the
 * provider (one faulty, one healthy), then the same for the AWS side (S3 state, SNS publish).
 *
 * A month in three runs. T0 (Nov 16): both budgets cross 50 % and their forecast crosses 100 %, and
 * both are delivered. T1 (Nov 25): both cross 80 %, with the fault on. T2 (ten minutes later, past the
 * ledger's lease): the fault has cleared. Each case asserts that the healthy account's 80 % alert went
 * out at T1; that the faulty one's went out at T1 when retries absorb the fault, else at T2, exactly once;
 * that nothing else was sent (a zero or partial figure would fire a forecast "back under", a wrong total
 * a wrong threshold); that the failure was logged with provider, account and endpoint and counted in the
 * run summary; and that no planted credential appears in any log line or error.
 */
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudflareSimulator } from '../../dev/simulators/cloudflare.ts';
import { type FastlySimulator, fastlyError } from '../../dev/simulators/fastly.ts';
import type { Fault as SimFault } from '../../dev/simulators/kit.ts';
import { SoracomSimulator } from '../../dev/simulators/soracom.ts';
import type { Alert } from '../../lib/alerts/alert.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import type { CheckReport } from '../../lib/check/types.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { type LogFields, type Logger, memoryLogger } from '../../lib/log/index.ts';
import { type AlertPublisher, MemoryPublisher } from '../../lib/notify/publisher.ts';
import { SnsAlertPublisher } from '../../lib/notify/sns.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { HealthTracker } from '../../lib/state/account-health.ts';
import { AlertLedger, type AlertRecord } from '../../lib/state/ledger.ts';
import { MemoryObjectStore } from '../../lib/state/memory-store.ts';
import {
  type AccountRig,
  configFor,
  FaultyStore,
  ForwardingSimulator,
  leakForms,
  leaksIn,
  PROVIDER_NAMES,
  type ProviderName,
  recordingSleep,
  SNS_THROTTLED,
  startAccount,
} from '../support/fault-world.ts';

const T0 = new Date('2026-11-16T03:00:00Z');
const T1 = new Date('2026-11-25T03:00:00Z');
const T2 = new Date(T1.getTime() + 10 * 60_000);
const THRESHOLDS = '[{ at: 50% }, { at: 80% }, { at: 100%, basis: forecast }]';
// Backoff small enough for the matrix to run in seconds; waits are recorded, not slept (recordingSleep).
// The timeout is generous (a loaded CI machine must not time out a healthy account) except in the cases
// about timeouts, which shorten it (SLOW) and answer far later than that.
const HTTP = { timeoutMs: 3_000, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, budgetMs: 10_000 } };
const SLOW = { timeoutMs: 500, retry: { ...HTTP.retry, maxAttempts: 2 } };
const PERSISTENT = 50;

/** Where the faulty account's 80 % alert goes. */
type Due =
  | 'same-run' // retries (or a fallback) absorb the fault
  | 'later-run' // the run fails for that account; the next run delivers
  | 'pending' // the provider says "not ready": no figure, no alert, the next run delivers
  | 'elsewhere'; // another writer delivered it

interface Rigged {
  faulty: AccountRig;
  healthy: AccountRig;
  store: FaultyStore;
  forward?: ForwardingSimulator;
  /** Alerts another writer (a second, overlapping run) delivered. */
  elsewhere: Alert[];
}

interface FaultCase {
  name: string;
  layer: 'provider' | 'state' | 'sns';
  due: Due;
  /** The faulty alert goes out once more in the next run, with the same dedupKey (the accepted duplicate). */
  again?: boolean;
  /** Nothing at all can be delivered during the fault (a whole S3 outage). */
  healthyLater?: boolean;
  /** Waits asked for, at least (Retry-After and provider rate-limit headers). */
  waitsAtLeastMs?: number;
  /** In the faulty run's log: how the fault was met or absorbed. */
  logged: RegExp;
  /** Per provider: what the account error says (a field name, a kind). */
  error?: RegExp;
  /** HTTP settings for this case instead of HTTP. */
  http?: typeof SLOW;
  /** Per provider; absent where the fault does not exist for that provider. */
  inject: Partial<Record<ProviderName, Injection>>;
  clear?: Injection;
}

type Injection = (world: Rigged) => void;
// biome-ignore lint/suspicious/noExplicitAny: replies of four different contracts, edited in place
type ContractBody = any;
const everywhere = (inject: Injection): Record<ProviderName, Injection> =>
  Object.fromEntries(PROVIDER_NAMES.map((p) => [p, inject])) as Record<ProviderName, Injection>;
const onPrimary = (fault: SimFault, times: number) =>
  everywhere(({ faulty }) => {
    faulty.sim.inject(faulty.primary, fault, times);
  });
/** Every reply of the faulty account's `endpoint`, edited in place the way its contract can break. */
const rewriteReplies =
  (endpoint: 'primary' | 'secondary', edit: (body: ContractBody) => void): Injection =>
  ({ faulty }) => {
    const body = (reply: unknown) => {
      edit(reply);
      return reply;
    };
    faulty.sim.inject(faulty[endpoint], { kind: 'rewrite', body }, PERSISTENT);
  };
/** The contract's reply of the primary endpoint, changed the way each provider's contract can break. */
const rewritePrimary = (change: Record<ProviderName, (body: ContractBody) => void>) =>
  everywhere((world) => rewriteReplies('primary', change[world.faulty.provider])(world));
const RETRYING = /provider call failed, retrying/;
const UNREADABLE = /account could not be read/;

const PROVIDER_FAULTS: FaultCase[] = [
  {
    name: '429 with Retry-After, twice',
    layer: 'provider',
    due: 'same-run',
    waitsAtLeastMs: 1000,
    logged: RETRYING,
    inject: onPrimary({ kind: 'status', status: 429, headers: { 'Retry-After': '1' } }, 2),
  },
  {
    name: '429 without Retry-After, twice',
    layer: 'provider',
    due: 'same-run',
    logged: RETRYING,
    inject: onPrimary({ kind: 'status', status: 429 }, 2),
  },
  {
    name: "429 with the provider's own rate-limit headers",
    layer: 'provider',
    due: 'same-run',
    waitsAtLeastMs: 2000,
    logged: RETRYING,
    inject: {
      soracom: ({ faulty }) => faulty.sim.inject(faulty.primary, SoracomSimulator.rateLimited(2), 2),
      fastly: ({ faulty }) =>
        faulty.sim.inject(faulty.primary, (faulty.sim as FastlySimulator).rateLimited(2), 2),
      cloudflare: ({ faulty }) => faulty.sim.inject(faulty.primary, CloudflareSimulator.rateLimited(2), 2),
      // Kill Bill documents no rate limiting.
    },
  },
  {
    name: '429 until the time budget runs out (Retry-After: 1 h)',
    layer: 'provider',
    due: 'later-run',
    logged: UNREADABLE,
    error: /retries-exhausted|time budget/,
    inject: onPrimary({ kind: 'status', status: 429, headers: { 'Retry-After': '3600' } }, PERSISTENT),
  },
  {
    name: '500 burst',
    layer: 'provider',
    due: 'same-run',
    logged: RETRYING,
    inject: onPrimary({ kind: 'status', status: 500 }, 2),
  },
  {
    name: '502 for the whole run',
    layer: 'provider',
    due: 'later-run',
    logged: UNREADABLE,
    error: /HTTP 502/,
    inject: onPrimary({ kind: 'status', status: 502 }, PERSISTENT),
  },
  {
    name: '503 for the whole run',
    layer: 'provider',
    due: 'later-run',
    logged: UNREADABLE,
    error: /HTTP 503/,
    inject: onPrimary({ kind: 'status', status: 503, headers: { 'Retry-After': '0' } }, PERSISTENT),
  },
  {
    name: 'connection reset once',
    layer: 'provider',
    due: 'same-run',
    logged: RETRYING,
    inject: onPrimary({ kind: 'reset' }, 1),
  },
  {
    name: 'connection reset for the whole run',
    layer: 'provider',
    due: 'later-run',
    logged: UNREADABLE,
    error: /network error/,
    inject: onPrimary({ kind: 'reset' }, PERSISTENT),
  },
  {
    name: 'one answer slower than the timeout',
    layer: 'provider',
    due: 'same-run',
    logged: RETRYING,
    http: SLOW,
    inject: onPrimary({ kind: 'delay', ms: 2_000 }, 1),
  },
  {
    name: 'every answer slower than the timeout',
    layer: 'provider',
    due: 'later-run',
    logged: UNREADABLE,
    error: /no answer within 500 ms/,
    http: SLOW,
    inject: onPrimary({ kind: 'delay', ms: 2_000 }, PERSISTENT),
  },
  {
    name: 'the body stalls after its headers',
    layer: 'provider',
    due: 'later-run',
    logged: UNREADABLE,
    error: /no answer within 500 ms/,
    http: SLOW,
    inject: onPrimary({ kind: 'stall', ms: 5_000 }, PERSISTENT),
  },
  {
    name: 'truncated JSON',
    layer: 'provider',
    due: 'later-run',
    logged: UNREADABLE,
    error: /not valid JSON/,
    inject: onPrimary({ kind: 'raw', status: 200, text: '{"amount": 12345, "curr' }, PERSISTENT),
  },
  {
    name: 'malformed JSON',
    layer: 'provider',
    due: 'later-run',
    logged: UNREADABLE,
    error: /not valid JSON/,
    inject: onPrimary({ kind: 'raw', status: 200, text: "{amount: 1, 'currency': JPY,}" }, PERSISTENT),
  },
  {
    name: 'a required field missing',
    layer: 'provider',
    due: 'later-run',
    logged: UNREADABLE,
    error: /field "(amount|monthly_transaction_amount|result\.0\.ContractedCost|rolledUpUnits\.0\.amount)"/,
    inject: rewritePrimary({
      soracom: (body) => delete body.amount,
      fastly: (body) => delete body.monthly_transaction_amount,
      cloudflare: (body) => delete body.result[0].ContractedCost,
      killbill: (body) => delete body.rolledUpUnits[0].amount,
    }),
  },
  {
    name: 'an amount with the wrong JSON type',
    layer: 'provider',
    due: 'later-run',
    logged: UNREADABLE,
    error: /field "(amount|monthly_transaction_amount|result\.0\.ContractedCost|rolledUpUnits\.0\.amount)"/,
    inject: rewritePrimary({
      // A number in the contract; a decimal in a string is read exactly, so a list is the wrong type.
      soracom: (body) => (body.amount = [body.amount]),
      fastly: (body) => (body.monthly_transaction_amount = Number(body.monthly_transaction_amount)), // a string
      cloudflare: (body) => (body.result[0].ContractedCost = String(body.result[0].ContractedCost)),
      killbill: (body) => (body.rolledUpUnits[0].amount = String(body.rolledUpUnits[0].amount)),
    }),
  },
  {
    name: 'an unknown currency',
    layer: 'provider',
    due: 'later-run',
    logged: UNREADABLE,
    error: /field "(currency|data\.0\.currency_code|result\.0\.BillingCurrency)"/,
    inject: {
      // Soracom's and Fastly's have a stated fallback: see the partial reading below.
      cloudflare: rewriteReplies('primary', (body) => {
        for (const row of body.result) row.BillingCurrency = 'ZZZ';
      }),
      // Kill Bill reports usage quantities, no currency.
    },
  },
  {
    name: 'the token expires mid-run',
    layer: 'provider',
    due: 'same-run',
    logged: /soracom token rejected, signing in again/,
    inject: {
      // Soracom's API key and token expire; the client signs in again with its AuthKey.
      soracom: ({ faulty }) => (faulty.sim as SoracomSimulator).expireTokens(),
    },
  },
  {
    name: 'the credentials are rejected (401)',
    layer: 'provider',
    due: 'later-run',
    logged: UNREADABLE,
    error: /HTTP 401/,
    inject: {
      soracom: ({ faulty }) => {
        // Every token and the AuthKey itself refused: re-authentication cannot help.
        faulty.sim.inject(/^\/v1\//, { kind: 'status', status: 401, body: { code: 'AUM0001' } }, PERSISTENT);
      },
      fastly: ({ faulty }) =>
        faulty.sim.inject(
          faulty.primary,
          {
            kind: 'status',
            status: 401,
            body: fastlyError(401, 'Provided credentials are missing or invalid'),
          },
          PERSISTENT,
        ),
      cloudflare: ({ faulty }) =>
        faulty.sim.inject(
          faulty.primary,
          CloudflareSimulator.error(401, 10001, 'Unable to authenticate request'),
          PERSISTENT,
        ),
      killbill: ({ faulty }) =>
        faulty.sim.inject(
          faulty.primary,
          { kind: 'status', status: 401, headers: { 'WWW-Authenticate': 'BASIC realm="application"' } },
          PERSISTENT,
        ),
    },
  },
  {
    name: 'a second endpoint the read needs fails',
    layer: 'provider',
    due: 'later-run',
    logged: UNREADABLE,
    error: /HTTP 503/,
    inject: {
      ...everywhere(({ faulty }) =>
        faulty.sim.inject(faulty.secondary, { kind: 'status', status: 503 }, PERSISTENT),
      ),
      // Their second endpoints are side calls: see the partial reading below.
      cloudflare: undefined,
      fastly: undefined,
      soracom: undefined,
    },
  },
  {
    name: 'a side call fails (a partial reading)',
    layer: 'provider',
    due: 'same-run',
    logged: /partial reading: the headline figure was read without this part/,
    inject: {
      // Cloudflare's usage info gives the cycle's anchor, Fastly's invoices its currency, Soracom's
      // daily bills its daily series: the headline still gives the figure, with the stated fallbacks.
      ...Object.fromEntries(
        (['cloudflare', 'fastly', 'soracom'] as const).map((provider) => [
          provider,
          ({ faulty }: Rigged) =>
            faulty.sim.inject(faulty.secondary, { kind: 'status', status: 503 }, PERSISTENT),
        ]),
      ),
    },
  },
  {
    name: 'a currency we do not know, where a stated fallback stands in (a partial reading)',
    layer: 'provider',
    due: 'same-run',
    logged: /partial reading|currency guessed/,
    inject: {
      // Soracom: the coverage's currency (JPY for jp); Fastly: the account's currency setting.
      soracom: rewriteReplies('primary', (body) => (body.currency = 'ZZZ')),
      fastly: rewriteReplies('secondary', (body) => {
        for (const invoice of body.data) invoice.currency_code = 'ZZZ';
      }),
    },
  },
  {
    name: 'Fastly answers 202 (still generating) for the whole run',
    layer: 'provider',
    due: 'pending',
    logged: /provider data not ready yet/,
    inject: {
      fastly: ({ faulty }) => {
        (faulty.sim as FastlySimulator).options.mtdPendingCalls = Number.POSITIVE_INFINITY;
      },
    },
    clear: ({ faulty }) => {
      (faulty.sim as FastlySimulator).options.mtdPendingCalls = 0;
    },
  },
  {
    name: "Cloudflare's usage path moved (fallback to the older one)",
    layer: 'provider',
    due: 'same-run',
    logged: /cloudflare billable usage served/,
    inject: {
      cloudflare: ({ faulty }) => {
        (faulty.sim as CloudflareSimulator).options.live = 'paygo-usage';
      },
    },
    clear: () => {},
  },
];

/** Keys of the faulty budget's alert state. */
const faultyState = (world: Rigged) => (key: string) => key.startsWith(`state/${world.faulty.id}-budget/`);
const faulty80 = (world: Rigged) => (key: string) =>
  faultyState(world)(key) && key.endsWith('/actual-80pct.json');

/** A second run that claims the faulty alert first; it completes (marks it sent) or dies after its claim. */
function secondWriter(completes: boolean) {
  return everywhere((world) =>
    world.store.beforeNextWrite(faulty80(world), async (_key, body) => {
      const { alert } = JSON.parse(body) as AlertRecord;
      const other = new AlertLedger(world.store.inner);
      const claim = await other.claim(alert, T1);
      if (claim.outcome !== 'claimed') return;
      world.elsewhere.push(alert);
      if (completes) await other.markSent(claim, T1);
    }),
  );
}

const AWS_FAULTS: FaultCase[] = [
  {
    name: 'S3 GetObject fails',
    layer: 'state',
    due: 'later-run',
    logged: /alert state could not be claimed/,
    inject: everywhere((world) => world.store.fail(['get', 'list'], faultyState(world))),
  },
  {
    name: 'S3 PutObject fails',
    layer: 'state',
    due: 'later-run',
    logged: /alert state could not be claimed/,
    inject: everywhere((world) =>
      world.store.fail(['createIfAbsent', 'replaceIfVersion'], faultyState(world)),
    ),
  },
  {
    name: 'S3 PutObject fails after the publish (markSent)',
    layer: 'state',
    due: 'same-run',
    again: true,
    logged: /delivered but could not be recorded as sent/,
    inject: everywhere((world) => world.store.fail(['replaceIfVersion'], faulty80(world))),
  },
  {
    name: 'S3 down for the whole run',
    layer: 'state',
    due: 'later-run',
    healthyLater: true,
    logged: /alert state could not be claimed/,
    inject: everywhere((world) =>
      world.store.fail(['get', 'list', 'createIfAbsent', 'replaceIfVersion', 'put']),
    ),
  },
  {
    name: '412 on claim: a second writer delivered it',
    layer: 'state',
    due: 'elsewhere',
    logged: /check finished/,
    inject: secondWriter(true),
  },
  {
    name: '412 on claim: a second writer died after its claim',
    layer: 'state',
    due: 'later-run',
    again: true,
    logged: /check finished/,
    inject: secondWriter(false),
  },
  {
    name: 'SNS Publish throttled once',
    layer: 'sns',
    due: 'same-run',
    logged: /alert published to SNS/,
    inject: everywhere(({ forward }) => forward!.inject('/', SNS_THROTTLED, 1)),
  },
  {
    name: 'SNS Publish throttled past the SDK retries',
    layer: 'sns',
    due: 'later-run',
    logged: /alert publish to SNS failed/,
    inject: everywhere(({ forward }) => forward!.inject('/', SNS_THROTTLED, SNS_ATTEMPTS)),
  },
  {
    name: 'SNS unreachable (connections reset)',
    layer: 'sns',
    due: 'later-run',
    logged: /alert publish to SNS failed/,
    inject: everywhere(({ forward }) => forward!.inject('/', { kind: 'reset' }, SNS_ATTEMPTS)),
  },
];
const SNS_ATTEMPTS = 2;

const CASES = [...PROVIDER_FAULTS, ...AWS_FAULTS].flatMap((fault) =>
  PROVIDER_NAMES.filter((provider) => fault.inject[provider]).map((provider) => ({ provider, fault })),
);

describe('fault matrix: providers × faults through the real check', () => {
  let fauxqs: FauxqsServer;
  let sqs: SQSClient;
  let sns: SNSClient;
  const exercised = new Set<string>();

  beforeAll(async () => {
    fauxqs = await startFauxqs({ port: 0, logger: false });
    const aws = {
      endpoint: fauxqs.address,
      region: 'us-east-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    };
    sqs = new SQSClient(aws);
    sns = new SNSClient(aws);
  });
  afterAll(async () => {
    const faults = new Set(CASES.map((c) => c.fault.name)).size;
    console.log(
      `fault matrix: ${exercised.size} cases exercised (${PROVIDER_FAULTS.length} provider faults and ${AWS_FAULTS.length} AWS faults × ${PROVIDER_NAMES.length} providers, where the fault exists; ${faults} faults)`,
    );
    sqs.destroy();
    sns.destroy();
    await fauxqs.stop();
  });

  /** A topic with one SQS subscriber, reached through a forwarding hop that injects faults. */
  async function snsRoute(name: string) {
    const forward = new ForwardingSimulator(fauxqs.address);
    await forward.start();
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
    const client = new SNSClient({
      endpoint: forward.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
      maxAttempts: SNS_ATTEMPTS,
    });
    const received = async (): Promise<string[]> => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      return (Messages ?? []).map(
        (m) =>
          (JSON.parse(m.Body!) as { MessageAttributes: { dedupKey: { Value: string } } }).MessageAttributes
            .dedupKey.Value,
      );
    };
    return { forward, client, topicArn: TopicArn!, received };
  }

  // Concurrently: many cases wait out a provider timeout or an SDK backoff; each has its own world.
  it.concurrent.each(CASES)('$provider: $fault.name', async ({ provider, fault }) => {
    exercised.add(`${provider}: ${fault.name}`);
    let now = T0;
    const [faulty, healthy] = await Promise.all([
      startAccount(provider, `${provider}-faulty`, () => now),
      startAccount(provider, `${provider}-healthy`, () => now),
    ]);
    const route = fault.layer === 'sns' ? await snsRoute(`matrix-${provider}-${exercised.size}`) : undefined;
    const world: Rigged = {
      faulty,
      healthy,
      store: new FaultyStore(new MemoryObjectStore()),
      forward: route?.forward,
      elsewhere: [],
    };
    try {
      const config = parseConfig(configFor([faulty, healthy], THRESHOLDS));
      const secrets = new SecretResolver([envBackend({ ...faulty.env, ...healthy.env })]);
      const lines: string[] = [];
      const waits = recordingSleep();
      const memory = new MemoryPublisher();
      const publisherFor = (logger: Logger): AlertPublisher =>
        route ? new SnsAlertPublisher({ client: route.client, topicArn: route.topicArn, logger }) : memory;
      const run = async (at: Date) => {
        now = at;
        const logger = memoryLogger();
        const report = await runCheck(config, {
          clock: { now: () => at },
          logger,
          secrets,
          publisher: publisherFor(logger),
          ledger: new AlertLedger(world.store),
          health: new HealthTracker(world.store),
          http: { ...(fault.http ?? HTTP), sleep: waits.sleep },
        });
        lines.push(...logger.lines);
        const delivered = report.delivered.map((a) => a.dedupKey).sort();
        if (route) expect((await route.received()).sort()).toEqual(delivered);
        return { report, records: logger.records(), delivered };
      };
      const key = (rig: AccountRig, threshold: string) => `${rig.id}-budget/2026-11/${threshold}`;
      const f80 = key(faulty, 'actual-80pct');
      const h80 = key(healthy, 'actual-80pct');

      const first = await run(T0);
      expect(first.delivered).toEqual(
        [faulty, healthy].flatMap((rig) => [key(rig, 'actual-50pct'), key(rig, 'forecast-100pct')]).sort(),
      );

      now = T1; // faults that carry a reset time compute it from the simulator's clock
      fault.inject[provider]!(world);
      const during = await run(T1);
      (
        fault.clear ??
        (() => {
          faulty.sim.clearFaults();
          world.store.heal();
        })
      )(world);
      world.store.heal();
      const after = await run(T2);

      const expectedDuring = [
        ...(fault.healthyLater ? [] : [h80]),
        ...(fault.due === 'same-run' ? [f80] : []),
      ].sort();
      const expectedAfter = [
        ...(fault.healthyLater ? [h80] : []),
        ...(fault.due === 'later-run' || fault.due === 'pending' || fault.again ? [f80] : []),
      ].sort();
      // Exactly these alerts, nothing else: no back-under from a zero, no threshold from a partial figure.
      expect(during.delivered, 'delivered during the fault').toEqual(expectedDuring);
      expect(after.delivered, 'delivered once it cleared').toEqual(expectedAfter);
      expect(world.elsewhere.map((a) => a.dedupKey)).toEqual(
        fault.due === 'elsewhere' || (fault.again && fault.due !== 'same-run') ? [f80] : [],
      );

      // The failure is logged and counted, with provider, account and endpoint.
      const messages = during.records.map((r) => String(r.message));
      expect(
        messages.some((m) => fault.logged.test(m)),
        `log has ${fault.logged}: ${messages.join(' | ')}`,
      ).toBe(true);
      const summary = during.records.find((r) => r.message === 'check finished')!;
      const accountOf = (o: CheckReport['accounts'][number]) => `${o.account.id}:${o.status}`;
      if (fault.layer === 'provider') {
        expect(summary.accountErrors).toBe(fault.due === 'later-run' ? 1 : 0);
        expect(summary.accountsPending).toBe(fault.due === 'pending' ? 1 : 0);
        if (fault.due !== 'same-run') {
          const status = fault.due === 'pending' ? 'pending' : 'error';
          expect(during.report.accounts.map(accountOf)).toEqual([
            `${faulty.id}:${status}`,
            `${healthy.id}:ok`,
          ]);
          const record = during.records.find(
            (r) => UNREADABLE.test(String(r.message)) || /not ready/.test(String(r.message)),
          )!;
          expect(record).toMatchObject({
            provider,
            account: faulty.id,
            endpoint: expect.stringMatching(/^(GET|POST) \//),
          });
          if (fault.error) expect(String(record.error ?? record.reason)).toMatch(fault.error);
        } else {
          const retried = during.records.find((r) => RETRYING.test(String(r.message)));
          if (retried)
            expect(retried).toMatchObject({
              provider,
              account: faulty.id,
              endpoint: expect.stringMatching(/^(GET|POST) \//),
            });
        }
      } else if (fault.due === 'later-run' && !fault.again) {
        expect(summary.publishFailures).toBeGreaterThanOrEqual(1);
        const failed = during.records.find((r) => fault.logged.test(String(r.message))) as LogFields;
        expect(failed.dedupKey ?? failed.budget).toBeDefined();
      }
      if (fault.waitsAtLeastMs) expect(Math.max(...waits.asked)).toBeGreaterThanOrEqual(fault.waitsAtLeastMs);
      expect(after.report.accounts.every((a) => a.status === 'ok')).toBe(true);

      // No planted credential anywhere: log lines, account errors, publish failures.
      const errors = [during, after].flatMap(({ report }) => [
        ...report.accounts.flatMap((a) =>
          a.status === 'error' ? [a.error.message, a.error.stack ?? ''] : [],
        ),
        ...report.failed.flatMap((f) => [f.error.message, f.error.stack ?? '']),
      ]);
      expect(leaksIn([...lines, ...errors], leakForms([...faulty.secrets, ...healthy.secrets]))).toEqual([]);
    } finally {
      route?.client.destroy();
      await Promise.all([faulty.stop(), healthy.stop(), route?.forward.stop()]);
    }
  });
});
