/**
 * Fan-out over real HTTP SQS (fauxqs): the scheduled check enqueues account batches, the messages are
 * received as Lambda's event source mapping would and handed to the worker as an SQS event, and the
 * worker reports back only the batch worth retrying (ReportBatchItemFailures). Emulating the mapping
 * further (delete what succeeded, let the rest reappear after the visibility timeout) shows that only
 * that batch comes back. State in S3 and alerts over SNS also go through fauxqs; accounts are read from
 * the Soracom simulator.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import { emfCheckMetrics, METRICS_NAMESPACE } from '../../lib/observability/emf.ts';
import { scheduledCheck, scheduledCheckDependencies } from '../../lib/runtime/check.ts';
import { runtimeDependencies } from '../../lib/runtime/check-runtime.ts';
import { checkWorker } from '../../lib/runtime/check-worker.ts';
import { enqueueBatches } from '../../lib/runtime/fan-out.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { type LocalDeployment, startLocalDeployment } from '../support/local-deployment.ts';
import { sqsEvent } from '../support/sqs-event.ts';

const NOW = new Date('2026-11-23T03:30:00Z');
const BUCKET = 'spendwatch-fanout';

/** A loopback port nothing listens on: reading an account there fails with a network error. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('fan-out: scheduled check → work queue → checkWorker', () => {
  let aws: LocalDeployment;
  let sim: SoracomSimulator;
  let env: NodeJS.ProcessEnv;
  let workQueue: { url: string; arn: string };

  const queueArn = async (url: string) =>
    (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
      .Attributes!.QueueArn!;
  const receiveAll = async (url: string): Promise<Message[]> =>
    (
      await aws.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      )
    ).Messages ?? [];

  beforeAll(async () => {
    sim = new SoracomSimulator({
      authKeys: { 'key-1': 'secret-1', 'key-2': 'secret-2', 'key-3': 'secret-3' },
      now: () => NOW,
      daily: monthOfDays('202611', () => 1000),
    });
    await sim.start();

    const account = (id: string, key: string, baseUrl = sim.baseUrl) =>
      `  - { id: ${id}, provider: soracom, baseUrl: "${baseUrl}", credentials: { authKeyId: env:${key}_ID, authKey: env:${key} } }`;
    const budget = (name: string, accounts: string[]) =>
      `  - { name: ${name}, accounts: [${accounts.join(', ')}], amount: 30000, currency: JPY, thresholds: [{ at: 50% }] }`;
    const config = [
      'accounts:',
      account('fleet-1', 'KEY1'),
      account('fleet-2', 'KEY2'),
      account('fleet-3', 'KEY3'),
      account('revoked', 'REVOKED'),
      account('unreachable', 'KEY3', `http://127.0.0.1:${await closedPort()}`),
      'budgets:',
      // A group budget: its two accounts must be read by one worker run.
      budget('pair', ['fleet-1', 'fleet-2']),
      budget('third', ['fleet-3']),
      budget('revoked', ['revoked']),
      budget('unreachable', ['unreachable']),
      '',
    ].join('\n');
    aws = await startLocalDeployment(BUCKET, config);
    // A one-second visibility timeout stands in for the deployed 30 minutes.
    const url = (
      await aws.sqs.send(
        new CreateQueueCommand({ QueueName: 'work', Attributes: { VisibilityTimeout: '1' } }),
      )
    ).QueueUrl!;
    workQueue = { url, arn: await queueArn(url) };

    env = {
      ...aws.env,
      SPENDWATCH_SQS_ENDPOINT: aws.fauxqs.address,
      SPENDWATCH_WORK_QUEUE_URL: workQueue.url,
      SPENDWATCH_FANOUT_THRESHOLD: '3',
      SPENDWATCH_FANOUT_BATCH_SIZE: '2',
      KEY1_ID: 'key-1',
      KEY1: 'secret-1',
      KEY2_ID: 'key-2',
      KEY2: 'secret-2',
      KEY3_ID: 'key-3',
      KEY3: 'secret-3',
      REVOKED_ID: 'key-revoked',
      REVOKED: 'no-longer-valid',
    };
  });
  afterAll(async () => {
    await sim.stop();
    await aws.stop();
  });

  it('enqueues group-preserving batches, and the worker returns only the batch worth retrying', async () => {
    const clock = fixedClock(NOW);
    const tick = scheduledCheck({ ...scheduledCheckDependencies(env), clock });
    const summary = await tick({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: NOW.toISOString(),
    });
    // Five watched accounts > threshold 3: batches of two, the pair kept together.
    expect(summary).toEqual({ at: NOW.toISOString(), accounts: 5, batchesEnqueued: 3 });
    expect(sim.calls(/./)).toHaveLength(0);

    const delivered = await receiveAll(workQueue.url);
    const bodies = delivered.map((message) => JSON.parse(message.Body!) as { accountIds: string[] });
    expect(bodies.map((body) => body.accountIds)).toEqual(
      expect.arrayContaining([['fleet-1', 'fleet-2'], ['fleet-3', 'revoked'], ['unreachable']]),
    );
    expect(bodies).toHaveLength(3);

    const metrics: Record<string, unknown>[] = [];
    const worker = checkWorker({
      ...runtimeDependencies(env, 'check-worker'),
      clock,
      metrics: emfCheckMetrics({
        namespace: METRICS_NAMESPACE,
        dimensions: { Stage: 'test' },
        write: (line) => metrics.push(JSON.parse(line) as Record<string, unknown>),
        now: () => NOW,
      }),
    });
    const response = await worker(sqsEvent(delivered, workQueue.arn));

    // "unreachable" failed with a network error (worth a retry); "revoked" with 401, which a retry
    // does not fix (the health tracker's gap alert covers it), so its batch is done.
    const unreachable = delivered[bodies.findIndex((body) => body.accountIds.includes('unreachable'))]!;
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: unreachable.MessageId }] });

    const alerts = (await receiveAll(aws.inboxUrl)).map(
      (message) =>
        (JSON.parse(message.Body!) as { MessageAttributes: { dedupKey: { Value: string } } })
          .MessageAttributes.dedupKey.Value,
    );
    expect(alerts.sort()).toEqual(['pair/2026-11/actual-50pct', 'third/2026-11/actual-50pct']);

    // The event source mapping deletes what succeeded; the failed message reappears, received twice.
    const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    for (const message of delivered.filter((m) => !failed.has(m.MessageId!))) {
      await aws.sqs.send(
        new DeleteMessageCommand({ QueueUrl: workQueue.url, ReceiptHandle: message.ReceiptHandle }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const again = await receiveAll(workQueue.url);
    expect(again.map((message) => message.MessageId)).toEqual([unreachable.MessageId]);
    expect(again[0]!.Attributes?.ApproximateReceiveCount).toBe('2');

    // The run's metrics as CloudWatch will read them.
    const run = metrics.find((document) => 'MonitoringGap' in document)!;
    expect(run).toMatchObject({
      Stage: 'test',
      MonitoringGap: 2,
      AccountsChecked: 5,
      AlertsDelivered: 2,
      PublishFailures: 0,
    });
    expect(run._aws).toMatchObject({
      Timestamp: NOW.getTime(),
      CloudWatchMetrics: [{ Namespace: 'Spendwatch', Dimensions: [['Stage']] }],
    });
    const providerErrors = metrics.filter((document) => 'ProviderErrors' in document);
    expect(providerErrors.map((document) => [document.Provider, document.Account]).sort()).toEqual([
      ['soracom', 'revoked'],
      ['soracom', 'unreachable'],
    ]);
    expect(metrics.find((document) => document.Budget === 'pair')).toMatchObject({
      BudgetSpend: 46000,
      BudgetPercent: expect.closeTo(153.33, 2),
    });
  });

  it('sends any number of batches, ten per SendMessageBatch call', async () => {
    const QueueUrl = (await aws.sqs.send(new CreateQueueCommand({ QueueName: 'many' }))).QueueUrl!;
    const batches = Array.from({ length: 23 }, (_, i) => [`account-${i}`]);
    await enqueueBatches(aws.sqs, QueueUrl, batches);
    const received: string[][] = [];
    for (let page = await receiveAll(QueueUrl); page.length > 0; page = await receiveAll(QueueUrl)) {
      for (const message of page) {
        received.push((JSON.parse(message.Body!) as { accountIds: string[] }).accountIds);
        await aws.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    }
    expect(received.sort()).toEqual(batches.sort());
  });

  it('reports a message that is not a work batch as failed, so it ends in the dead-letter queue', async () => {
    const QueueUrl = (await aws.sqs.send(new CreateQueueCommand({ QueueName: 'stray' }))).QueueUrl!;
    await aws.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"accounts": "all"}' }));
    const [message] = await receiveAll(QueueUrl);
    const worker = checkWorker(runtimeDependencies(env, 'check-worker'));
    await expect(worker(sqsEvent([message!], await queueArn(QueueUrl)))).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: message!.MessageId }],
    });
    await expect(worker({ Records: [] })).rejects.toThrow(/expected an SQS event from the work queue/);
  });
});
