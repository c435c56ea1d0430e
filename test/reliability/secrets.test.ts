/**
 * Secrets never leave the process: representative flows run with known values planted (provider
 * tokens, AuthKeys, API secrets, passwords, AWS keys, the Slack webhook URL, a presigned export URL),
 * and every log line, every alert as published and as rendered for each channel, and every thrown
 * error (message, stack, causes) is searched for each planted value as written, URL-encoded, and as a
 * base64 basic-auth pair. Then provider-supplied strings are shown to be escaped for each channel.
 */
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoInbox, startDemoInbox } from '../../cli/demo/inbox.ts';
import { DEMO_NOW, startDemoWorld } from '../../cli/demo/scenario.ts';
import type { CloudflareSimulator } from '../../dev/simulators/cloudflare.ts';
import type { FastlySimulator } from '../../dev/simulators/fastly.ts';
import type { SoracomSimulator } from '../../dev/simulators/soracom.ts';
import type { Alert } from '../../lib/alerts/alert.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import type { CheckReport } from '../../lib/check/types.ts';
import { loadConfig, parseConfig } from '../../lib/config/load.ts';
import { jsonLogger, type LogFields, type Logger, Redactor } from '../../lib/log/index.ts';
import {
  renderSlackMessage,
  renderSnsMessage,
  renderSubject,
  renderText,
} from '../../lib/notify/render/index.ts';
import { slackNotifier } from '../../lib/notify/slack/index.ts';
import { SnsAlertPublisher } from '../../lib/notify/sns.ts';
import { forgetSoracomSessions, SoracomExports, soracom } from '../../lib/providers/soracom/index.ts';
import { ssmBackend } from '../../lib/secrets/aws.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { HealthTracker } from '../../lib/state/account-health.ts';
import { AlertLedger } from '../../lib/state/ledger.ts';
import { MemoryObjectStore } from '../../lib/state/memory-store.ts';
import { jpyCritical } from '../support/alert-fixtures.ts';
import { AwsSecretsSimulator, localAws } from '../support/aws-secrets.ts';
import {
  type AccountRig,
  ForwardingSimulator,
  leakForms,
  PROVIDER_NAMES,
  type ProviderName,
  SNS_THROTTLED,
  startAccount,
} from '../support/fault-world.ts';
import { accountForTest, contextForTest } from '../support/providers.ts';
import { SlackWebhookSimulator, WEBHOOK_PATH } from '../support/slack-webhook.ts';
import { alertDelivery, snsEvent } from '../support/sns-event.ts';

/** Everything a flow let out of the process, by where it went. */
class Evidence {
  readonly texts: { where: string; text: string }[] = [];
  /** What the code handed its logger before masking: secrets must not even get that far. */
  readonly unmasked: string[] = [];

  /** A logger as deployed (masking with the process-wide redactor), also recording the unmasked lines. */
  logger(): Logger {
    const masked = jsonLogger({
      level: 'debug',
      write: (line) => this.texts.push({ where: 'log line', text: line }),
    });
    const raw = jsonLogger({
      level: 'debug',
      write: (line) => this.unmasked.push(line),
      redactor: new Redactor(),
    });
    const both = (a: Logger, b: Logger): Logger => {
      const tee = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: LogFields) => {
        a[level](message, fields);
        b[level](message, fields);
      };
      return {
        debug: tee('debug'),
        info: tee('info'),
        warn: tee('warn'),
        error: tee('error'),
        child: (fields) => both(a.child(fields), b.child(fields)),
      };
    };
    return both(masked, raw);
  }

  error(where: string, error: unknown): void {
    for (let e = error as (Error & { cause?: unknown }) | undefined; e; e = e.cause as typeof e) {
      this.texts.push({
        where: `${where} (error)`,
        text: [e.message, String(e), e.stack ?? '', JSON.stringify({ ...e })].join('\n'),
      });
    }
  }

  alert(where: string, alert: Alert): void {
    const rendered = [
      JSON.stringify(alert),
      renderText(alert),
      JSON.stringify(renderSlackMessage(alert)),
      renderSubject(alert),
      renderSnsMessage(alert).message,
    ];
    for (const text of rendered) this.texts.push({ where: `${where} (alert ${alert.dedupKey})`, text });
  }

  report(where: string, report: CheckReport): void {
    for (const a of report.accounts)
      if (a.status === 'error') this.error(`${where}: ${a.account.id}`, a.error);
    for (const f of report.failed) this.error(`${where}: ${f.alert.dedupKey}`, f.error);
    for (const b of report.budgets) if (b.status === 'error') this.error(`${where}: ${b.budget}`, b.error);
  }

  /** "value … found in <where>" for each planted value (in any of its forms) that got out. */
  leaks(planted: string[]): string[] {
    const forms = leakForms(planted);
    const found = [
      ...this.texts,
      ...this.unmasked.map((text) => ({ where: 'unmasked log line', text })),
    ].flatMap(({ where, text }) =>
      forms.filter((form) => text.includes(form)).map((form) => `${form} in ${where}`),
    );
    return [...new Set(found)];
  }
}

describe('no planted secret leaves the process', () => {
  let inbox: DemoInbox;
  let evidence: Evidence;
  beforeAll(async () => {
    evidence = new Evidence();
    inbox = await startDemoInbox(evidence.logger(), 'UTC');
  });
  afterAll(() => inbox.stop());

  /** Everything the SNS topic received so far, as subscribers read it. */
  async function published(where: string) {
    for (const delivery of await inbox.deliveries()) {
      evidence.texts.push({ where: `${where} (subject)`, text: delivery.subject });
      evidence.texts.push({ where: `${where} (email)`, text: delivery.email });
      evidence.alert(where, delivery.alert);
    }
  }

  it.each(PROVIDER_NAMES)(
    '%s: reads, rejected credentials, 5xx and the monitoring-gap alert',
    async (provider) => {
      forgetSoracomSessions();
      let now = new Date('2026-11-25T03:00:00Z');
      const rigs: AccountRig[] = await Promise.all(
        ['ok', 'denied', 'broken'].map((name) => startAccount(provider, `${provider}-${name}`, () => now)),
      );
      try {
        const [, denied, broken] = rigs as [AccountRig, AccountRig, AccountRig];
        denied.sim.inject(
          /./,
          { kind: 'status', status: 401, body: { message: 'invalid credentials' } },
          1000,
        );
        broken.sim.inject(
          broken.primary,
          { kind: 'status', status: 503, body: { message: 'try later' } },
          1000,
        );
        const config = parseConfig(
          [
            'accounts:',
            ...rigs.map((r) => `  - ${r.account}`),
            'budgets:',
            ...rigs.map(
              (r) => `  - ${r.budget(`${r.id}-b`, '[{ at: 50% }, { at: 100%, basis: forecast }]')}`,
            ),
            'monitoring: { gapAfterHours: 1 }',
          ].join('\n'),
        );
        const store = new MemoryObjectStore();
        const secrets = new SecretResolver([envBackend(Object.assign({}, ...rigs.map((r) => r.env)))]);
        for (const hours of [0, 2]) {
          now = new Date(Date.parse('2026-11-25T03:00:00Z') + hours * 3_600_000);
          const report = await runCheck(config, {
            clock: { now: () => now },
            logger: evidence.logger(),
            secrets,
            publisher: inbox.publisher,
            ledger: new AlertLedger(store),
            health: new HealthTracker(store),
            http: { timeoutMs: 5_000, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
          });
          evidence.report(provider, report);
          expect(report.accounts.map((a) => a.status)).toEqual(['ok', 'error', 'error']);
        }
        await published(provider);
        expect(evidence.texts.some((t) => t.text.includes('monitoring/'))).toBe(true); // the gap alerts went out
        expect(evidence.leaks(rigs.flatMap((r) => r.secrets))).toEqual([]);
      } finally {
        await Promise.all(rigs.map((r) => r.stop()));
      }
    },
  );

  it('the search itself finds a value that got out, in each of its forms', () => {
    const probe = new Evidence();
    const basic = Buffer.from('user:pw-basic').toString('base64');
    probe
      .logger()
      .info('leaky', { query: `key=${encodeURIComponent('pw/probe 1')}`, authorization: `Basic ${basic}` });
    probe.error('thrown', new Error('failed with pw/probe 1'));
    expect(probe.leaks(['pw/probe 1', basic, 'never-there']).sort()).toEqual([
      `${basic} in log line`,
      `${basic} in unmasked log line`,
      'pw%2Fprobe%201 in log line',
      'pw%2Fprobe%201 in unmasked log line',
      'pw/probe 1 in thrown (error)',
    ]);
  });

  it('the demo world, end to end', async () => {
    const world = await startDemoWorld(new Date(DEMO_NOW));
    try {
      const config = await loadConfig('examples/demo.yaml');
      for (const account of config.accounts) account.baseUrl = world.baseUrls[account.id];
      const report = await runCheck(config, {
        clock: { now: () => new Date(DEMO_NOW) },
        logger: evidence.logger(),
        secrets: new SecretResolver([envBackend(world.env)]),
        publisher: inbox.publisher,
      });
      evidence.report('demo', report);
      expect(report.delivered.length).toBeGreaterThan(3);
      await published('demo');
      const { KILLBILL_USERNAME, VENDOR_KILLBILL_USERNAME, ...secret } = world.env;
      const basic = (user?: string, password?: string) =>
        Buffer.from(`${user}:${password}`).toString('base64');
      expect(
        evidence.leaks([
          ...Object.values(secret),
          basic(KILLBILL_USERNAME, secret.KILLBILL_PASSWORD),
          basic(VENDOR_KILLBILL_USERNAME, secret.VENDOR_KILLBILL_PASSWORD),
        ]),
      ).toEqual([]);
    } finally {
      await world.stop();
    }
  });

  it('SNS publish with planted AWS credentials: delivered, throttled, unreachable', async () => {
    const fauxqs: FauxqsServer = await startFauxqs({ port: 0, logger: false });
    const hop = new ForwardingSimulator(fauxqs.address);
    await hop.start();
    const credentials = {
      accessKeyId: 'AKIAPLANTEDKEY7Q9X',
      secretAccessKey: 'planted-aws-secret-access-key/Zq7x9+wJalrXUtnFEMI',
      sessionToken: 'planted-aws-session-token-FwoGZXIvYXdzEJr',
    };
    const client = new SNSClient({ endpoint: hop.url, region: 'us-east-1', credentials, maxAttempts: 2 });
    try {
      const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'planted' }));
      const publisher = new SnsAlertPublisher({ client, topicArn: TopicArn!, logger: evidence.logger() });
      await publisher.publish(jpyCritical);
      for (const fault of [SNS_THROTTLED, { kind: 'reset' } as const]) {
        hop.inject('/', fault, 2);
        evidence.error('SNS publish', await publisher.publish(jpyCritical).catch((e: unknown) => e));
      }
      expect(publisher.counts).toEqual({ published: 1, failed: 2 });
      expect(evidence.leaks([credentials.secretAccessKey, credentials.sessionToken])).toEqual([]);
    } finally {
      client.destroy();
      await hop.stop();
      await fauxqs.stop();
    }
  });

  it('the Slack notifier with a failing webhook', async () => {
    const slack = new SlackWebhookSimulator();
    const aws = new AwsSecretsSimulator();
    await Promise.all([slack.start(), aws.start()]);
    aws.parameters.set('/spendwatch/slack', slack.webhookUrl);
    const ssm = new SSMClient(localAws(aws.url));
    try {
      const notify = slackNotifier({
        webhookRef: 'ssm:/spendwatch/slack',
        secrets: new SecretResolver([ssmBackend(ssm)]),
        logger: evidence.logger(),
        webhook: { retry: { baseDelayMs: 1, maxDelayMs: 2, budgetMs: 10_000 }, timeoutMs: 5_000 },
      });
      const event = snsEvent([alertDelivery(jpyCritical)]);
      await notify(event);
      for (const fault of [
        { kind: 'status', status: 502 },
        { kind: 'raw', status: 404, text: 'no_service' },
        { kind: 'reset' },
        { kind: 'status', status: 429, headers: { 'Retry-After': '0' } },
      ] as const) {
        slack.inject(WEBHOOK_PATH, fault, 10);
        evidence.error('Slack notifier', await notify(event).catch((e: unknown) => e));
        slack.clearFaults();
      }
      expect(slack.accepted).toHaveLength(1);
      expect(evidence.leaks([slack.webhookUrl, WEBHOOK_PATH, WEBHOOK_PATH.split('/').at(-1)!])).toEqual([]);
    } finally {
      ssm.destroy();
      await Promise.all([slack.stop(), aws.stop()]);
    }
  });

  it('the Soracom export URL (presigned, X-Amz-Signature)', async () => {
    forgetSoracomSessions();
    const now = new Date('2026-11-25T03:00:00Z');
    const rig = await startAccount('soracom', 'exports', () => now);
    const credentials = { authKeyId: rig.env.EXPORTS_KEY_ID!, authKey: rig.env.EXPORTS_KEY! };
    const context = contextForTest(credentials, { now: () => now });
    context.logger = evidence.logger() as typeof context.logger;
    const exports = new SoracomExports(
      accountForTest(soracom, { baseUrl: (rig.sim as SoracomSimulator).baseUrl }, credentials),
      context,
    );
    try {
      const { url } = await exports.requestExport('latest', 'sync');
      const signature = new URL(url).searchParams.get('X-Amz-Signature')!;
      expect(signature).toMatch(/^[0-9a-f]{64}$/);
      await (await exports.downloadExport(url)).cancel();
      const tampered = url.replace(signature, '0'.repeat(64));
      evidence.error(
        'download with a bad signature',
        await exports.downloadExport(tampered).catch((e: unknown) => e),
      );
      const job = await exports.requestExport('latest', 'async');
      const ready = await exports.waitForExport(job.exportedFileId, { pollIntervalMs: 1 });
      await rig.stop();
      evidence.error(
        'download from a gone server',
        await exports.downloadExport(ready.url).catch((e: unknown) => e),
      );
      expect(
        evidence.leaks([
          url,
          signature,
          ready.url,
          new URL(ready.url).searchParams.get('X-Amz-Signature')!,
          ...rig.secrets,
        ]),
      ).toEqual([]);
    } finally {
      await rig.stop();
    }
  });
});

describe('provider-supplied strings are escaped for each channel', () => {
  const HOSTILE = {
    channel: '<!channel> data fee',
    mention: '<@U0123ABC>',
    link: '<https://evil.example|your invoice>',
    header: 'fee\r\nBcc: victim@example.com\r\nSubject: paid',
    bidi: 'SIM \u202eexe.sgub',
  };

  it.each(['soracom', 'fastly', 'cloudflare'] as const)(
    '%s names in alerts: Slack mrkdwn, email text and subject',
    async (provider: ProviderName) => {
      forgetSoracomSessions();
      const now = new Date('2026-11-25T03:00:00Z');
      const rig = await startAccount(provider, `hostile-${provider}`, () => now);
      try {
        const names = Object.values(HOSTILE);
        if (provider === 'soracom') {
          const sim = rig.sim as SoracomSimulator;
          sim.options.billItems['202611'] = names.map((name, i) => ({
            billItemCategory: name,
            billItemName: name,
            amount: 5000 - i,
          }));
          sim.options.simCosts['202611'] = names.map((name, i) => ({ simId: name, amount: 4000 - i }));
        } else if (provider === 'fastly') {
          const sim = rig.sim as FastlySimulator;
          for (const day of Object.keys(sim.options.daily).filter((d) => d.startsWith('2026-11')))
            sim.options.daily[day] = names.map((description) => ({ description, amount: 20, units: 1 }));
        } else {
          const sim = rig.sim as CloudflareSimulator;
          for (const day of Object.keys(sim.options.usage))
            sim.options.usage[day] = Object.fromEntries(names.map((n) => [n, 20]));
        }
        const config = parseConfig(
          `accounts:\n  - ${rig.account}\nbudgets:\n  - ${rig.budget('hostile', '[{ at: 10% }]')}\n`,
        );
        const report = await runCheck(config, {
          clock: { now: () => now },
          logger: jsonLogger({ write: () => {} }),
          secrets: new SecretResolver([envBackend(rig.env)]),
          publisher: { publish: async () => ({ messageId: 'x' }) },
        });
        const [alert] = report.delivered;
        expect(alert, JSON.stringify(report.accounts)).toBeDefined();
        const contributors = alert!.contributors.map((c) => c.name).join(' ');
        expect(contributors).toMatch(/<!channel>|<@U0123ABC>|evil\.example/); // the hostile names did arrive

        const slack = JSON.stringify(renderSlackMessage(alert!));
        for (const raw of ['<!channel>', '<@U0123ABC>', '<https://evil.example'])
          expect(slack).not.toContain(raw);
        expect(slack).toContain('&lt;!channel&gt;');
        const subject = renderSubject(alert!);
        expect(subject).not.toMatch(/[\r\n]/);
        const email = renderText(alert!);
        expect(email).not.toMatch(/\r|\u202e/);
        expect(email.split('\n').some((line) => /^\s*(Bcc|Subject):/.test(line))).toBe(false);
        const sns = JSON.parse(renderSnsMessage(alert!).message) as Record<string, string>;
        expect(sns.email).toBe(email);
      } finally {
        await rig.stop();
      }
    },
  );
});
