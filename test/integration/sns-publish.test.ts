import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subscribeQueue } from '../../dev/aws/subscribed-queue.ts';
import type { Alert } from '../../lib/alerts/alert.ts';
import { snsClientFromEnv } from '../../lib/aws/clients.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { alertSchema } from '../../lib/notify/alert-schema.ts';
import { renderSubject, SUBJECT_MAX_LENGTH } from '../../lib/notify/render/index.ts';
import { AlertPublishError, SnsAlertPublisher } from '../../lib/notify/sns.ts';
import { jpyCritical, usdWarning } from '../support/alert-fixtures.ts';

const PLANTED_SECRET_KEY = 'planted-aws-secret-key-7f3a';

/** The SNS envelope an SQS subscription receives (raw delivery off). */
interface Envelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject: string | null;
  Message: string;
  MessageAttributes: Record<string, { Type: string; Value: string }>;
}

describe('SNS publisher against fauxqs (real SNS/SQS HTTP APIs)', () => {
  let server: FauxqsServer;
  let sns: SNSClient;
  let sqs: SQSClient;
  let topicArn: string;
  const queues: Record<string, string> = {};

  const clientConfig = () => ({
    endpoint: server.address,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: PLANTED_SECRET_KEY },
  });

  async function subscribe(name: string, attributes: Record<string, string> = {}): Promise<void> {
    queues[name] = (await subscribeQueue({ sns, sqs }, topicArn, name, attributes)).queueUrl;
  }

  /** Everything waiting in a queue now (fan-out is complete when Publish returns). */
  async function drain(name: string): Promise<Message[]> {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues[name],
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages ?? [];
  }

  async function envelopes(name: string): Promise<Envelope[]> {
    return (await drain(name)).map((message) => JSON.parse(message.Body!) as Envelope);
  }

  beforeAll(async () => {
    server = await startFauxqs({ port: 0, logger: false });
    sns = new SNSClient(clientConfig());
    sqs = new SQSClient(clientConfig());
    ({ TopicArn: topicArn } = (await sns.send(new CreateTopicCommand({ Name: 'spendwatch-alerts' }))) as {
      TopicArn: string;
    });
    await subscribe('everything');
    await subscribe('on-call', { FilterPolicy: JSON.stringify({ severity: ['critical'] }) });
    await subscribe('soracom-team', { FilterPolicy: JSON.stringify({ provider: ['soracom'] }) });
    await subscribe('raw', { RawMessageDelivery: 'true' });
  });
  afterAll(async () => {
    sns.destroy();
    sqs.destroy();
    await server.stop();
  });
  beforeEach(async () => {
    for (const name of Object.keys(queues)) await drain(name);
  });

  const publisher = (logger = memoryLogger()) => new SnsAlertPublisher({ client: sns, topicArn, logger });

  it('delivers the subject, the filterable attributes and the per-protocol structure', async () => {
    const { messageId } = await publisher().publish(jpyCritical);
    const [envelope, ...others] = await envelopes('everything');
    expect(others).toHaveLength(0);
    expect(envelope!.MessageId).toBe(messageId);
    expect(envelope!.Type).toBe('Notification');
    expect(envelope!.Subject).toBe('[critical] soracom-fleet: 104.2% of JPY 30,000 (actual) - soracom-jp');
    expect(envelope!.MessageAttributes).toEqual({
      event: { Type: 'String', Value: 'crossed' },
      provider: { Type: 'String', Value: 'soracom' },
      account: { Type: 'String', Value: 'soracom-jp' },
      budget: { Type: 'String', Value: 'soracom-fleet' },
      severity: { Type: 'String', Value: 'critical' },
      basis: { Type: 'String', Value: 'actual' },
      dedupKey: { Type: 'String', Value: 'soracom-fleet/2026-11/actual-100pct' },
    });
    // fauxqs 1.9 ignores MessageStructure: it delivers the whole structure, where real SNS
    // delivers only the "sqs" value to an SQS subscription. Both carry the same alert JSON.
    const structure = JSON.parse(envelope!.Message) as Record<string, unknown>;
    expect(Object.keys(structure).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sqs']);
    for (const value of Object.values(structure)) expect(typeof value).toBe('string');
    const delivered = alertSchema.parse(JSON.parse(structure.sqs as string));
    expect(delivered).toEqual(jpyCritical);
    expect(structure.lambda).toBe(structure.sqs);
    expect(structure.email).toContain('Top contributors');
    expect(structure.default).toBe(structure.email);
  });

  it('routes by filter policy: only critical reaches on-call, only soracom reaches the soracom team', async () => {
    await publisher().publish(usdWarning);
    await publisher().publish(jpyCritical);
    const budgets = async (queue: string) =>
      (await envelopes(queue)).map((e) => e.MessageAttributes.budget?.Value).sort();
    expect(await budgets('everything')).toEqual(['fastly-cdn', 'soracom-fleet']);
    expect(await budgets('on-call')).toEqual(['soracom-fleet']);
    expect(await budgets('soracom-team')).toEqual(['soracom-fleet']);
  });

  it('gives raw-delivery subscribers the attributes as SQS message attributes', async () => {
    await publisher().publish(usdWarning);
    const [message] = await drain('raw');
    expect(message!.MessageAttributes?.severity).toEqual({ DataType: 'String', StringValue: 'warning' });
    expect(message!.MessageAttributes?.dedupKey?.StringValue).toBe(usdWarning.dedupKey);
    expect(Object.keys(message!.MessageAttributes ?? {})).toHaveLength(7); // SNS allows at most 10 for raw SQS
  });

  it.each<[string, Partial<Alert>]>([
    ['a very long budget name', { budget: `${'tokyo-edge-fleet-'.repeat(12)}budget` }],
    ['many accounts', { accounts: Array.from({ length: 30 }, (_, i) => `account-${i}`), account: 'x' }],
    ['non-ASCII text', { budget: 'ソラコム fleet ¥ café — 東京', accounts: ['ＪＰ-main'] }],
    [
      'a CR/LF header injection',
      { budget: 'fleet\r\nBcc: attacker@example.com\r\n\r\nbody', accounts: ['a\nb'] },
    ],
  ])('keeps the delivered subject within SNS rules for %s', async (_case, change) => {
    const alert = { ...jpyCritical, ...change };
    await publisher().publish(alert);
    const [envelope] = await envelopes('everything');
    const subject = envelope!.Subject!;
    expect(subject).toBe(renderSubject(alert));
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
    expect(subject).toMatch(/^\[[a-z]+\] [\x20-\x7e]+$/);
    expect(subject).toContain('104.2% of JPY 30,000');
  });

  it('shortens an oversized alert to fit the 256 KB limit fauxqs enforces, and says so', async () => {
    const contributors = Array.from({ length: 3000 }, (_, i) => ({
      kind: 'resource' as const,
      name: `sim-${String(i).padStart(5, '0')}-${'x'.repeat(60)}`,
      cost: '10',
      share: '0.0',
    }));
    const logger = memoryLogger();
    await publisher(logger).publish({ ...jpyCritical, contributors });
    const [envelope] = await envelopes('everything');
    const structure = JSON.parse(envelope!.Message) as Record<string, string>;
    const delivered = alertSchema.parse(JSON.parse(structure.sqs!));
    expect(delivered.contributors.length).toBeLessThan(3000);
    expect(delivered.contributors.length).toBeGreaterThan(0);
    expect(delivered.details.at(-1)).toMatch(/^Only the top \d+ of 3000 contributors are listed/);
    expect(structure.email).toContain('of 3000 contributors are listed');
    expect(logger.records().some((r) => r.message === 'alert shortened to fit SNS size limit')).toBe(true);
  });

  it('throws, counts and logs a failed publish without credentials, so the alert stays pending', async () => {
    const logger = memoryLogger();
    const failing = new SnsAlertPublisher({
      client: sns,
      topicArn: 'arn:aws:sns:us-east-1:000000000000:no-such-topic',
      logger,
    });
    const error = await failing.publish(jpyCritical).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertPublishError);
    expect((error as Error).message).toContain(jpyCritical.dedupKey);
    expect((error as Error).message).toContain('NotFound');
    expect(failing.counts).toEqual({ published: 0, failed: 1 });
    const [record] = logger.records().filter((r) => r.level === 'error');
    expect(record).toMatchObject({ message: 'alert publish to SNS failed', dedupKey: jpyCritical.dedupKey });
    expect(logger.lines.join('\n')).not.toContain(PLANTED_SECRET_KEY);
    expect(
      JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack }),
    ).not.toContain(PLANTED_SECRET_KEY);
  });

  it('snsClientFromEnv honours SPENDWATCH_SNS_ENDPOINT with no AWS credentials configured', async () => {
    const client = snsClientFromEnv({ SPENDWATCH_SNS_ENDPOINT: server.address });
    const counted = new SnsAlertPublisher({ client, topicArn, logger: memoryLogger() });
    await counted.publish(usdWarning);
    client.destroy();
    expect(counted.counts).toEqual({ published: 1, failed: 0 });
    expect((await envelopes('everything')).map((e) => e.Subject)).toEqual([renderSubject(usdWarning)]);
  });
});
