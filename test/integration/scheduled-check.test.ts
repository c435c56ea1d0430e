/**
 * The scheduled-check Lambda as deployed: config read from S3, state in S3, alerts published to SNS,
 * all over real HTTP to a local AWS emulator (fauxqs: S3, SNS, SQS), with the Soracom simulator.
 * Conditional-write semantics are proven against radosgw elsewhere (s3-store, simulated-month).
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeQueue } from '../../dev/aws/subscribed-queue.ts';
import { monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import { EnvironmentError } from '../../lib/aws/environment.ts';
import { configAsJson } from '../../lib/config/load.ts';
import { scheduledCheckFromEnvironment } from '../../lib/runtime/check.ts';

const NOW = new Date('2026-11-23T03:30:00Z');
const local = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

describe('functions/check as deployed, against local AWS', () => {
  let fauxqs: FauxqsServer;
  let sim: SoracomSimulator;
  let env: NodeJS.ProcessEnv;
  let sqs: SQSClient;
  let queueUrl: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    fauxqs = await startFauxqs({ port: 0, logger: false });
    sim = new SoracomSimulator({
      authKeys: { 'keyId-lambda': 'secret-lambda-authkey' },
      now: () => NOW,
      daily: monthOfDays('202611', () => 1000),
    });
    await sim.start();
    // The SDK's default credential chain (as in Lambda) finds these.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
    });

    const s3 = new S3Client({ ...local(fauxqs.address), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'spendwatch-state' }));
    const config = `accounts:
  - id: fleet-jp
    provider: soracom
    baseUrl: ${sim.baseUrl}
    credentials: { authKeyId: env:SORACOM_KEY_ID, authKey: env:SORACOM_KEY }
budgets:
  - name: fleet
    account: fleet-jp
    amount: 30000
    currency: JPY
    thresholds: [{ at: 50% }, { at: 100%, severity: critical }]
`;
    await s3.send(
      new PutObjectCommand({
        Bucket: 'spendwatch-state',
        Key: 'config/spendwatch.json',
        Body: configAsJson(config).json,
      }),
    );
    s3.destroy();

    const sns = new SNSClient(local(fauxqs.address));
    sqs = new SQSClient(local(fauxqs.address));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'spendwatch-alerts' }));
    ({ queueUrl } = await subscribeQueue({ sns, sqs }, TopicArn!, 'inbox'));
    sns.destroy();

    env = {
      ...process.env,
      SPENDWATCH_CONFIG: 's3://spendwatch-state/config/spendwatch.json',
      SPENDWATCH_BUCKET: 'spendwatch-state',
      SPENDWATCH_TOPIC_ARN: TopicArn,
      SPENDWATCH_S3_ENDPOINT: fauxqs.address,
      SPENDWATCH_SNS_ENDPOINT: fauxqs.address,
      SPENDWATCH_LOG_LEVEL: 'error',
      SORACOM_KEY_ID: 'keyId-lambda',
      SORACOM_KEY: 'secret-lambda-authkey',
    };
  });
  afterAll(async () => {
    process.env = saved;
    sqs.destroy();
    await sim.stop();
    await fauxqs.stop();
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
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
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
