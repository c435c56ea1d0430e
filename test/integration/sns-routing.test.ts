/**
 * Delivery fidelity against moto_server: the severity and per-customer routing docs/alerts.md
 * describes (subscription filter policies on the message attributes spendwatch sets), and the per-protocol bodies of
 * `MessageStructure: json` (an SQS subscriber gets the alert JSON, not the whole structure). fauxqs,
 * used elsewhere, ignores both.
 */
import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeQueue } from '../../dev/aws/subscribed-queue.ts';
import type { Alert } from '../../lib/alerts/alert.ts';
import { snsClientFromEnv, sqsClientFromEnv } from '../../lib/aws/clients.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { alertSchema } from '../../lib/notify/alert-schema.ts';
import { SnsAlertPublisher } from '../../lib/notify/sns.ts';
import { everyKind, jpyCritical, usdWarning } from '../support/alert-fixtures.ts';
import { type Moto, motoMissing, startMoto } from '../support/moto.ts';

const missing = motoMissing();
if (missing) console.warn(`SKIPPED test/integration/sns-routing.test.ts: ${missing}`);

/** The subscriptions of docs/alerts.md's examples, by name. */
const POLICIES: Record<string, Record<string, unknown> | undefined> = {
  everything: undefined,
  oncall: { severity: ['critical'] },
  'pages-only': { severity: ['critical'], event: ['crossed'] },
  'no-info': { severity: [{ 'anything-but': ['info'] }] },
  iot: { $or: [{ provider: ['soracom'] }, { budget: ['all-iot'] }] },
  // One Kill Bill customer's own alerts, to that customer's (or its account manager's) address.
  'acme-retail': { customer: ['acme-retail'] },
};

/** A per-customer alert (each: resource on a Kill Bill account), as buildAlert makes it. */
const customerAlert = (id: string, name: string): Alert => ({
  ...usdWarning,
  dedupKey: `customer-caps/2026-11/actual-80pct.${id}`,
  thresholdId: `actual-80pct.${id}`,
  budget: 'customer-caps',
  account: 'customers',
  accounts: ['customers'],
  provider: 'killbill',
  resource: { id, name, type: 'customer' },
  headline: `customer-caps: ${name} (${id}) spent $850.25 this period, over the 80% per-resource budget of $1,000.00`,
});
const acme = customerAlert('acme-retail', 'Acme Retail');
const globex = customerAlert('globex', 'Globex');

describe.skipIf(missing)('SNS routing and bodies, against moto_server', () => {
  let moto: Moto;
  let sns: SNSClient;
  let sqs: SQSClient;
  const queues: Record<string, string> = {};

  const published: Alert[] = [
    jpyCritical, // critical, crossed, soracom
    usdWarning, // warning, crossed, fastly
    everyKind.gap!, // critical monitoring gap, soracom
    everyKind.recovered!, // info
    everyKind.broken!, // critical broken budget, soracom
    acme, // warning, crossed, killbill, customer acme-retail
    globex, // the same budget's alert for another customer
  ];

  beforeAll(async () => {
    moto = await startMoto();
    const env = {
      SPENDWATCH_SNS_ENDPOINT: moto.endpoint,
      SPENDWATCH_SQS_ENDPOINT: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local-secret',
    };
    sns = snsClientFromEnv(env);
    sqs = sqsClientFromEnv(env);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'spendwatch-alerts' }));
    for (const [name, policy] of Object.entries(POLICIES)) {
      const attributes: Record<string, string> = policy ? { FilterPolicy: JSON.stringify(policy) } : {};
      queues[name] = (await subscribeQueue({ sns, sqs }, TopicArn!, name, attributes)).queueUrl;
    }
    queues.raw = (
      await subscribeQueue({ sns, sqs }, TopicArn!, 'raw', { RawMessageDelivery: 'true' })
    ).queueUrl;
    const publisher = new SnsAlertPublisher({ client: sns, topicArn: TopicArn!, logger: memoryLogger() });
    for (const alert of published) await publisher.publish(alert);
  }, 60_000);
  afterAll(async () => {
    sns?.destroy();
    sqs?.destroy();
    await moto?.stop();
  });

  async function bodies(queue: string): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queues[queue], MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) return out;
      out.push(...Messages.map((m) => m.Body!));
    }
  }

  const keysIn = async (queue: string) =>
    (await bodies(queue))
      .map(
        (body) => alertSchema.parse(JSON.parse((JSON.parse(body) as { Message: string }).Message)).dedupKey,
      )
      .sort();
  const keysOf = (alerts: Alert[]) => alerts.map((a) => a.dedupKey).sort();

  it('routes by the filter policies docs/alerts.md gives', async () => {
    expect(await keysIn('everything')).toEqual(keysOf(published));
    expect(await keysIn('oncall')).toEqual(keysOf([jpyCritical, everyKind.gap!, everyKind.broken!]));
    expect(await keysIn('pages-only')).toEqual(keysOf([jpyCritical]));
    expect(await keysIn('no-info')).toEqual(
      keysOf([jpyCritical, usdWarning, everyKind.gap!, everyKind.broken!, acme, globex]),
    );
    expect(await keysIn('iot')).toEqual(
      keysOf([jpyCritical, everyKind.gap!, everyKind.recovered!, everyKind.broken!]),
    );
    // Only that customer's alert, not another customer's of the same budget, nor anything else.
    expect(await keysIn('acme-retail')).toEqual(keysOf([acme]));
  });

  it('hands an SQS subscriber the alert JSON of the structure, raw or in the envelope', async () => {
    const raw = await bodies('raw');
    expect(raw).toHaveLength(published.length);
    const alerts = raw.map((body) => alertSchema.parse(JSON.parse(body)));
    expect(alerts.map((a) => a.dedupKey).sort()).toEqual(keysOf(published));
    // Not the structure with every protocol's key, which is what an emulator without per-protocol bodies gives.
    for (const body of raw) expect(Object.keys(JSON.parse(body) as object)).not.toContain('email');
  });
});
