/**
 * The demo's mailbox: a local SNS (fauxqs, over real HTTP) with an SQS queue subscribed, so demo
 * alerts go through the real SnsAlertPublisher and come back as subscribers would receive them.
 */
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import type { Alert } from '../../lib/alerts/alert.ts';
import type { Logger } from '../../lib/log/index.ts';
import { alertSchema } from '../../lib/notify/alert-schema.ts';
import { SnsAlertPublisher, snsClientFromEnv } from '../../lib/notify/sns.ts';

export interface Delivery {
  subject: string;
  /** What an email subscriber reads. */
  email: string;
  /** What the Slack notifier Lambda (and any SQS/HTTPS subscriber) receives. */
  alert: Alert;
}

export interface DemoInbox {
  publisher: SnsAlertPublisher;
  /** Everything delivered so far, in publish order. */
  deliveries(): Promise<Delivery[]>;
  stop(): Promise<void>;
}

export async function startDemoInbox(logger: Logger, timeZone: string): Promise<DemoInbox> {
  const server = await startFauxqs({ port: 0, logger: false });
  const sns = snsClientFromEnv({ SPENDWATCH_SNS_ENDPOINT: server.address });
  const sqs = new SQSClient({
    endpoint: server.address,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'spendwatch-alerts' }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'inbox' }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
  const received: Delivery[] = [];
  return {
    publisher: new SnsAlertPublisher({ client: sns, topicArn: TopicArn!, logger, render: { timeZone } }),
    async deliveries() {
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }),
        );
        if (Messages.length === 0) return received;
        for (const message of Messages) {
          const envelope = JSON.parse(message.Body!) as { Subject: string; Message: string };
          // Real SNS hands each protocol its own key of the structure; the emulator hands over all of it.
          const structure = JSON.parse(envelope.Message) as { email: string; sqs: string };
          received.push({
            subject: envelope.Subject,
            email: structure.email,
            alert: alertSchema.parse(JSON.parse(structure.sqs)),
          });
          await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
        }
      }
    },
    async stop() {
      sns.destroy();
      sqs.destroy();
      await server.stop();
    },
  };
}
