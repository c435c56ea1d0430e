/**
 * The scheduled-check Lambda as deployed: config read from S3, state in S3, alerts published to SNS,
 * all over real HTTP to a local AWS emulator (fauxqs: S3, SNS, SQS), with the Soracom simulator.
 * Conditional-write semantics are proven against radosgw elsewhere (s3-store, simulated-month).
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import { EnvironmentError } from '../../lib/aws/environment.ts';
import { scheduledCheckFromEnvironment } from '../../lib/runtime/check.ts';
import { type LocalDeployment, startLocalDeployment } from '../support/local-deployment.ts';
import { soracomAccount } from '../support/soracom-check-world.ts';

const NOW = new Date('2026-11-23T03:30:00Z');

describe('functions/check as deployed, against local AWS', () => {
  let aws: LocalDeployment;
  let sim: SoracomSimulator;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sim = new SoracomSimulator({
      authKeys: { 'keyId-lambda': 'secret-lambda-authkey' },
      now: () => NOW,
      daily: monthOfDays('202611', () => 1000),
    });
    await sim.start();
    aws = await startLocalDeployment(
      'spendwatch-state',
      `accounts:
${soracomAccount(sim.baseUrl)}
budgets:
  - name: fleet
    account: fleet-jp
    amount: 30000
    currency: JPY
    thresholds: [{ at: 50% }, { at: 100%, severity: critical }]
`,
    );
    env = { ...aws.env, KEY_ID: 'keyId-lambda', KEY: 'secret-lambda-authkey' };
  });
  afterAll(async () => {
    await sim.stop();
    await aws.stop();
  });

  it('publishes a new crossing once per period, across invocations', async () => {
    const handler = scheduledCheckFromEnvironment(env);
    const event = { 'detail-type': 'Scheduled Event', source: 'aws.events', time: NOW.toISOString() };
    const first = await handler(event);
    // 23 days × ¥1,000 = ¥23,000: 50 % crossed, 100 % not.
    expect(first).toMatchObject({
      accounts: 1,
      accountErrors: [],
      delivered: ['fleet/2026-11/actual-50pct'],
      publishFailures: [],
    });
    const { Messages } = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: aws.inboxUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages).toHaveLength(1);
    const envelope = JSON.parse(Messages![0]!.Body!) as {
      Subject: string;
      MessageAttributes: Record<string, { Value: string }>;
    };
    expect(envelope.Subject).toMatch(/fleet/);
    expect(envelope.MessageAttributes.dedupKey?.Value).toBe('fleet/2026-11/actual-50pct');

    // The alert links this run's burn-up report, written to S3 after the run.
    const structure = JSON.parse(JSON.parse(Messages![0]!.Body!).Message) as { sqs: string };
    const alert = JSON.parse(structure.sqs) as { details: string[] };
    const link = alert.details.find((line) => line.startsWith('Burn-up report (link valid 6 h): '));
    expect(link).toMatch(/X-Amz-Signature=/);
    const page = await fetch(link!.slice(link!.indexOf('http')));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('data-budget="fleet"');
    expect('reportKey' in first && first.reportKey).toMatch(/^spendwatch\/reports\/2026-.*\.html$/);

    const second = await handler(event);
    expect(second).toMatchObject({ delivered: [], suppressed: 1 });
  });

  it('refuses an event it does not know, and a cold start without its settings', async () => {
    const handler = scheduledCheckFromEnvironment(env);
    await expect(handler({ Records: [] })).rejects.toThrow(/expected an EventBridge "Scheduled Event"/);
    expect(() => scheduledCheckFromEnvironment({ SPENDWATCH_BUCKET: 'b' })).toThrow(EnvironmentError);
    expect(() => scheduledCheckFromEnvironment({ SPENDWATCH_BUCKET: 'b' })).toThrow(
      /SPENDWATCH_TOPIC_ARN \(unset\)/,
    );
  });
});
