/**
 * The demo's mailbox: a local SNS (fauxqs, over real HTTP) with an SQS queue subscribed, so demo
 * alerts go through the real SnsAlertPublisher and come back as subscribers would receive them.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { subscribeQueue } from '../../dev/aws/subscribed-queue.ts';
import type { Alert } from '../../lib/alerts/alert.ts';
import { s3ClientFromEnv, snsClientFromEnv, sqsClientFromEnv } from '../../lib/aws/clients.ts';
import type { Logger } from '../../lib/log/index.ts';
import { alertSchema } from '../../lib/notify/alert-schema.ts';
import { SnsAlertPublisher } from '../../lib/notify/sns.ts';

export const DEMO_BUCKET = 'spendwatch-demo';

interface Delivery {
  subject: string;
  /** What an email subscriber reads. */
  email: string;
  /** What the Slack notifier Lambda (and any SQS/HTTPS subscriber) receives. */
  alert: Alert;
}

export interface DemoInbox {
  publisher: SnsAlertPublisher;
  /** The same emulator's S3, with an empty bucket `DEMO_BUCKET` (billing CSV exports and summaries). */
  s3: S3Client;
  /** Everything delivered so far, in publish order. */
  deliveries(): Promise<Delivery[]>;
  stop(): Promise<void>;
}

export async function startDemoInbox(logger: Logger, timeZone: string): Promise<DemoInbox> {
  const server = await startFauxqs({ port: 0, logger: false });
  const sns = snsClientFromEnv({ SPENDWATCH_SNS_ENDPOINT: server.address });
  const sqs = sqsClientFromEnv({ SPENDWATCH_SQS_ENDPOINT: server.address });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'spendwatch-alerts' }));
  const { queueUrl: QueueUrl } = await subscribeQueue({ sns, sqs }, TopicArn!, 'inbox');
  const s3 = s3ClientFromEnv({ SPENDWATCH_S3_ENDPOINT: server.address });
  server.createBucket(DEMO_BUCKET);
  const received: Delivery[] = [];
  return {
    publisher: new SnsAlertPublisher({ client: sns, topicArn: TopicArn!, logger, render: { timeZone } }),
    s3,
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
      s3.destroy();
      sns.destroy();
      sqs.destroy();
      await server.stop();
    },
  };
}
