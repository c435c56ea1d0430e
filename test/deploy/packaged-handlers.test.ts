/**
 * The zips `npm run package` ships, run as Lambda runs them: unpacked, the bundled handler required by
 * a fresh node process with only the environment Lambda gives it (the role's credentials in
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN), against local AWS and provider
 * simulators. The other suites run the handlers from source; this one proves what the bundling changes
 * (the environment-only credential provider, the config read as JSON) works in the artifact itself.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePackaged } from '../../dev/lambda-package.ts';
import { monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import { unpackZip } from '../../dev/zip.ts';
import { LinkSigner } from '../../lib/actions/token.ts';
import { configAsJson } from '../../lib/config/load.ts';
import { renderSlackMessage } from '../../lib/notify/render/index.ts';
import { jpyCritical } from '../support/alert-fixtures.ts';
import { AwsSecretsSimulator, localAws } from '../support/aws-secrets.ts';
import { SlackWebhookSimulator } from '../support/slack-webhook.ts';
import { alertDelivery, snsEvent } from '../support/sns-event.ts';

/** The role's temporary credentials, as Lambda puts them in every function's environment. */
const LAMBDA_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'ASIALAMBDAROLE000001',
  AWS_SECRET_ACCESS_KEY: 'lambda-role-secret',
  AWS_SESSION_TOKEN: 'lambda-role-session',
  AWS_REGION: 'us-east-1',
};

interface Invocation {
  ok: boolean;
  result?: unknown;
  /** The function's log lines (JSON, as CloudWatch gets them). */
  logs: string;
  stderr: string;
}

/**
 * Requires the unpacked handler in a fresh node (Lambda's init) and invokes it once with `event`; the
 * result comes back on fd 3, apart from the log lines on stdout. `cwd`: the unpacked zip, as Lambda's
 * /var/task, where a bundled config path resolves.
 */
function invoke(
  handlerFile: string,
  env: Record<string, string>,
  event: unknown,
  cwd?: string,
): Promise<Invocation> {
  const script = `require(process.argv[1]).handler(JSON.parse(process.argv[2])).then(
  (result) => require('node:fs').writeSync(3, JSON.stringify(result ?? null)),
  (error) => { process.stderr.write(String(error.stack)); process.exitCode = 1; });`;
  const child = spawn(
    process.execPath,
    ['--no-warnings', '--enable-source-maps', '-e', script, handlerFile, JSON.stringify(event)],
    {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      ...(cwd && { cwd }),
    },
  );
  const output = child.stdio.slice(1).map((stream) => {
    let text = '';
    (stream as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    return () => text;
  });
  const [logs, stderr, result] = output as [() => string, () => string, () => string];
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const ok = code === 0;
      resolve({
        ok,
        result: ok ? (JSON.parse(result()) as unknown) : undefined,
        logs: logs(),
        stderr: stderr(),
      });
    });
  });
}

describe('the packaged handlers, run as Lambda runs them', () => {
  let unpacked: string;
  const handler = (fn: string, file: string) => join(unpacked, fn, file);

  beforeAll(() => {
    const packageDir = ensurePackaged();
    unpacked = mkdtempSync(join(tmpdir(), 'spendwatch-packaged-'));
    for (const fn of ['check', 'slackNotifier', 'actionLink']) {
      unpackZip(readFileSync(join(packageDir, `${fn}.zip`)), join(unpacked, fn));
    }
  }, 300_000);
  afterAll(() => rmSync(unpacked, { recursive: true, force: true }));

  describe('slackNotifier', () => {
    const slack = new SlackWebhookSimulator();
    const aws = new AwsSecretsSimulator();
    beforeAll(async () => {
      await Promise.all([slack.start(), aws.start()]);
      aws.parameters.set('/spendwatch/ci/slack-webhook', slack.webhookUrl);
    });
    afterAll(() => Promise.all([slack.stop(), aws.stop()]));

    const env = () => ({
      SLACK_WEBHOOK_URL_REF: 'ssm:/spendwatch/ci/slack-webhook',
      AWS_ENDPOINT_URL_SSM: aws.url,
    });

    it('reads the webhook from SSM with the role credentials of its environment and posts the alert', async () => {
      const run = await invoke(
        handler('slackNotifier', 'functions/slack-notifier.js'),
        { ...env(), ...LAMBDA_CREDENTIALS },
        snsEvent([alertDelivery(jpyCritical)]),
      );
      expect(run.stderr).toBe('');
      expect(run.ok).toBe(true);
      expect(slack.accepted).toEqual([renderSlackMessage(jpyCritical)]);
      const [request] = aws.actions('AmazonSSM.GetParameter');
      expect(request?.headers.authorization).toMatch(/Credential=ASIALAMBDAROLE000001\//);
      expect(request?.headers['x-amz-security-token']).toBe('lambda-role-session');
    });

    it('looks for credentials in the environment only: without them it fails at once, naming them', async () => {
      const run = await invoke(
        handler('slackNotifier', 'functions/slack-notifier.js'),
        { ...env(), AWS_REGION: 'us-east-1' },
        snsEvent([alertDelivery(jpyCritical)]),
      );
      expect(run.ok).toBe(false);
      expect(run.stderr).toMatch(/Unable to find environment variable credentials/);
    });
  });
  describe('check', () => {
    let fauxqs: FauxqsServer;
    let sqs: SQSClient;
    let queueUrl: string;
    let topicArn: string;
    const aws = new AwsSecretsSimulator();
    const now = new Date();
    const month = (offset: number) => {
      const local = new Date(now.getTime() + 9 * 3_600_000); // the Japan coverage bills by the JST month
      const shifted = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + offset, 1));
      return `${shifted.getUTCFullYear()}${String(shifted.getUTCMonth() + 1).padStart(2, '0')}`;
    };
    const sim = new SoracomSimulator({
      authKeys: { 'keyId-packaged': 'secret-packaged-authkey' },
      now: () => new Date(),
      daily: { ...monthOfDays(month(-1), () => 1000), ...monthOfDays(month(0), () => 1000) },
    });

    beforeAll(async () => {
      fauxqs = await startFauxqs({ port: 0, logger: false });
      await Promise.all([sim.start(), aws.start()]);
      aws.parameters.set('/spendwatch/ci/soracom/auth-key-id', 'keyId-packaged');
      aws.parameters.set('/spendwatch/ci/soracom/auth-key', 'secret-packaged-authkey');
      // The config as the README says to put it in S3: the JSON "spendwatch validate --out" writes.
      const { json } = configAsJson(`accounts:
  - id: fleet-jp
    provider: soracom
    baseUrl: ${sim.baseUrl}
    credentials:
      authKeyId: ssm:/spendwatch/ci/soracom/auth-key-id
      authKey: ssm:/spendwatch/ci/soracom/auth-key
budgets:
  - name: fleet
    account: fleet-jp
    amount: 1
    currency: JPY
    thresholds: [{ at: 100%, severity: critical }]
`);
      const s3 = new S3Client({ ...localAws(fauxqs.address), forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: 'spendwatch-state' }));
      await s3.send(
        new PutObjectCommand({
          Bucket: 'spendwatch-state',
          Key: 'spendwatch/config/spendwatch.json',
          Body: json,
        }),
      );
      s3.destroy();
      const sns = new SNSClient(localAws(fauxqs.address));
      sqs = new SQSClient(localAws(fauxqs.address));
      topicArn = (await sns.send(new CreateTopicCommand({ Name: 'spendwatch-alerts' }))).TopicArn!;
      queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'inbox' }))).QueueUrl!;
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      await sns.send(
        new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }),
      );
      sns.destroy();
    }, 60_000);
    afterAll(async () => {
      sqs.destroy();
      await Promise.all([sim.stop(), aws.stop()]);
      await fauxqs.stop();
    });

    it('reads its config from S3 as JSON, its credentials from SSM, and publishes the crossing', async () => {
      const run = await invoke(
        handler('check', 'functions/check.js'),
        {
          ...LAMBDA_CREDENTIALS,
          SPENDWATCH_CONFIG: 's3://spendwatch-state/spendwatch/config/spendwatch.json',
          SPENDWATCH_BUCKET: 'spendwatch-state',
          SPENDWATCH_TOPIC_ARN: topicArn,
          SPENDWATCH_S3_ENDPOINT: fauxqs.address,
          SPENDWATCH_SNS_ENDPOINT: fauxqs.address,
          AWS_ENDPOINT_URL_SSM: aws.url,
        },
        { 'detail-type': 'Scheduled Event', source: 'aws.events', time: now.toISOString() },
      );
      expect(run.stderr).toBe('');
      expect(run.result).toMatchObject({ accounts: 1, accountErrors: [], publishFailures: [] });
      const { delivered } = run.result as { delivered: string[] };
      expect(delivered).toEqual([expect.stringMatching(/^fleet\/\d{4}-\d{2}\/actual-100pct$/)]);
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
      );
      expect(Messages).toHaveLength(1);
      // The account's two parameters, read ahead in one GetParameters request.
      const requests = aws.actions('AmazonSSM.GetParameters');
      expect(requests).toHaveLength(1);
      expect((requests[0]!.body as { Names: string[] }).Names).toHaveLength(2);
      expect(aws.actions('AmazonSSM.GetParameter')).toHaveLength(0);
      for (const request of requests) {
        expect(request.headers.authorization).toMatch(/Credential=ASIALAMBDAROLE000001\//);
      }
      expect(run.logs).not.toContain('secret-packaged-authkey');
    });
  });

  describe('actionLink', () => {
    const aws = new AwsSecretsSimulator();
    const HOST = 'abcdefghijklmnop.lambda-url.us-east-1.on.aws';
    const KEY = 'k'.repeat(64);
    beforeAll(async () => {
      await aws.start();
      // What the stack's generated secret holds: 64 characters, no punctuation.
      aws.secrets.set('spendwatch/ci/action-signing-key', KEY);
    });
    afterAll(() => aws.stop());

    /** Lambda's Function URL event (payload 2.0) for a browser following a link with this query string. */
    const get = (query: Record<string, string>) => ({
      version: '2.0',
      rawPath: '/',
      rawQueryString: new URLSearchParams(query).toString(),
      headers: { host: HOST, 'user-agent': 'Mozilla/5.0 (test)' },
      ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
      requestContext: {
        domainName: HOST,
        http: { method: 'GET', path: '/', sourceIp: '203.0.113.7', userAgent: 'Mozilla/5.0 (test)' },
      },
    });

    /** The environment serverless.yml gives it; S3 and SNS point nowhere: a refused link reaches neither. */
    const follow = (query: Record<string, string>) =>
      invoke(
        handler('actionLink', 'functions/action-link.js'),
        {
          ...LAMBDA_CREDENTIALS,
          SPENDWATCH_CONFIG: 'dist/spendwatch.json',
          SPENDWATCH_BUCKET: 'spendwatch-state',
          SPENDWATCH_STATE_PREFIX: 'spendwatch/',
          SPENDWATCH_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:spendwatch-ci-alerts',
          SPENDWATCH_ACTION_KEY_REF: 'secretsmanager:spendwatch/ci/action-signing-key',
          SPENDWATCH_METRICS: 'emf',
          SPENDWATCH_STAGE: 'ci',
          SPENDWATCH_SECRETS_MANAGER_ENDPOINT: aws.url,
          SPENDWATCH_S3_ENDPOINT: 'http://127.0.0.1:9',
          SPENDWATCH_SNS_ENDPOINT: 'http://127.0.0.1:9',
        },
        get(query),
        join(unpacked, 'actionLink'),
      );

    /** A refused link: its status, an HTML page saying nothing was done, and nothing of the code. */
    const expectRefused = (run: Invocation, status: number) => {
      expect(run.stderr).toBe('');
      expect(run.ok).toBe(true);
      const result = run.result as { statusCode: number; headers: Record<string, string>; body: string };
      expect(result.statusCode).toBe(status);
      expect(result.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(result.headers['cache-control']).toBe('no-store');
      expect(result.body).toMatch(/^<!doctype html>/i);
      expect(result.body).toContain('Nothing was done');
      expect(result.body).not.toMatch(/\bat \S+ \(|\.(ts|js):\d+|Error:|node_modules|\/var\/task/);
      expect(run.logs).not.toContain(KEY);
      return result;
    };

    it('answers a GET whose token is not one it signed with a 403 page, reading its key with the role credentials', async () => {
      const forged = new LinkSigner('f'.repeat(64)).sign({
        action: 'a'.repeat(24),
        operation: 'approve',
        target: '440100000000001',
        expiresAt: new Date(Date.now() + 3_600_000),
      });
      const run = await follow({ op: 'approve', t: forged.token });
      expect(expectRefused(run, 403).body).toContain('altered or was not made by this deployment');
      const [request] = aws.actions('secretsmanager.GetSecretValue');
      expect(request?.body).toEqual({ SecretId: 'spendwatch/ci/action-signing-key' });
      expect(request?.headers.authorization).toMatch(/Credential=ASIALAMBDAROLE000001\//);
    });

    it('answers a GET with a mangled token with 403, and one without a token with 400', async () => {
      expectRefused(await follow({ op: 'approve', t: 'not-a-token' }), 403);
      expectRefused(await follow({}), 400);
    });
  });
});
