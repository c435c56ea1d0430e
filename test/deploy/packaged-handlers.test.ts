/**
 * The zips `npm run package` ships, run as Lambda runs them: unpacked, the bundled handler required by
 * a fresh node process with only the environment Lambda gives it (the role's credentials in
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN), against local AWS and provider
 * simulators. The other suites run the handlers from source; this one proves what the bundling changes
 * (the environment-only credential provider) works in the artifact itself.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePackaged } from '../../dev/lambda-package.ts';
import { unpackZip } from '../../dev/zip.ts';
import { renderSlackMessage } from '../../lib/notify/render/index.ts';
import { jpyCritical } from '../support/alert-fixtures.ts';
import { AwsSecretsSimulator } from '../support/aws-secrets.ts';
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
 * result comes back on fd 3, apart from the log lines on stdout.
 */
function invoke(handlerFile: string, env: Record<string, string>, event: unknown): Promise<Invocation> {
  const script = `require(process.argv[1]).handler(JSON.parse(process.argv[2])).then(
  (result) => require('node:fs').writeSync(3, JSON.stringify(result ?? null)),
  (error) => { process.stderr.write(String(error.stack)); process.exitCode = 1; });`;
  const child = spawn(
    process.execPath,
    ['--no-warnings', '--enable-source-maps', '-e', script, handlerFile, JSON.stringify(event)],
    { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
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
    for (const fn of ['slackNotifier']) {
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
});
