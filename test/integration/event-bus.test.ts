/**
 * EventBridgeSink over real HTTP against moto_server: an alert put on a bus reaches an SQS queue
 * through a rule matching spendwatch's source (moto delivers to SQS targets), and a refused entry,
 * which PutEvents reports with HTTP 200, fails with the bus, the code and the message.
 */
import {
  CreateEventBusCommand,
  type EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventBridgeClientFromEnv, sqsClientFromEnv } from '../../lib/aws/clients.ts';
import { EVENT_SOURCE, EventBridgeSink, EventPutError } from '../../lib/aws/event-bus.ts';
import { alertSchema } from '../../lib/notify/alert-schema.ts';
import { jpyCritical } from '../support/alert-fixtures.ts';
import { type Moto, motoMissing, startMoto } from '../support/moto.ts';

const missing = motoMissing();
if (missing) console.warn(`SKIPPED test/integration/event-bus.test.ts: ${missing}`);

const BUS = 'spendwatch-alerts';

describe.skipIf(missing)('EventBridgeSink against moto_server', () => {
  let moto: Moto;
  let events: EventBridgeClient;
  let sqs: SQSClient;
  let sink: EventBridgeSink;
  let queueUrl: string;
  let busArn: string;

  beforeAll(async () => {
    moto = await startMoto();
    const env = {
      SPENDWATCH_EVENTBRIDGE_ENDPOINT: moto.endpoint,
      SPENDWATCH_SQS_ENDPOINT: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local-secret',
    };
    events = eventBridgeClientFromEnv(env);
    sqs = sqsClientFromEnv(env);
    sink = new EventBridgeSink(events);
    busArn = (await events.send(new CreateEventBusCommand({ Name: BUS }))).EventBusArn!;
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'alert-events' }))).QueueUrl!;
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await events.send(
      new PutRuleCommand({
        Name: 'spendwatch-to-queue',
        EventBusName: BUS,
        EventPattern: JSON.stringify({ source: [EVENT_SOURCE] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'spendwatch-to-queue',
        EventBusName: BUS,
        Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn! }],
      }),
    );
  }, 60_000);
  afterAll(async () => {
    events?.destroy();
    sqs?.destroy();
    await moto?.stop();
  });

  async function delivered(): Promise<Record<string, unknown>[]> {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    return Messages.map((m) => JSON.parse(m.Body!) as Record<string, unknown>);
  }

  it('delivers the alert as the event detail to the rule target, by name and by ARN', async () => {
    const detailType = 'Budget threshold crossed';
    const byName = await sink.put({ bus: BUS, detailType, detail: jpyCritical });
    const byArn = await sink.put({ bus: busArn, detailType, detail: jpyCritical });
    const received = await delivered();
    expect(received.map((event) => event.id).sort()).toEqual([byName.eventId, byArn.eventId].sort());
    for (const event of received) {
      expect(event).toMatchObject({ source: 'spendwatch', 'detail-type': 'Budget threshold crossed' });
      expect(alertSchema.parse(event.detail)).toEqual(jpyCritical);
    }
  });

  it('fails on an entry PutEvents refused with HTTP 200, naming the bus, the code and the message', async () => {
    // moto, like EventBridge, refuses an entry without a detail type in the reply, not the request.
    const refused = sink.put({ bus: BUS, detailType: '', detail: jpyCritical });
    await expect(refused).rejects.toThrow(EventPutError);
    await expect(refused).rejects.toThrow(
      /on bus spendwatch-alerts failed \(InvalidArgument: Parameter DetailType is not valid/,
    );
    expect(await delivered()).toEqual([]);
  });

  it('fails on a bus that does not exist, naming it', async () => {
    // moto refuses the whole request (ResourceNotFoundException); the error says the same either way.
    await expect(sink.put({ bus: 'no-such-bus', detailType: 'Monitoring gap', detail: {} })).rejects.toThrow(
      /"Monitoring gap" event on bus no-such-bus failed \(ResourceNotFoundException: /,
    );
  });

  it('refuses a detail over 256 KB before sending it', async () => {
    const huge = { ...jpyCritical, details: ['x'.repeat(256 * 1024)] };
    await expect(
      sink.put({ bus: BUS, detailType: 'Budget threshold crossed', detail: huge }),
    ).rejects.toThrow(
      /on bus spendwatch-alerts failed \(the detail makes the entry \d+ bytes, over PutEvents' limit of 256 KB/,
    );
    expect(await delivered()).toEqual([]);
  });
});
