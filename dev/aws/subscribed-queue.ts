/**
 * An SQS queue subscribed to an SNS topic, on a local emulator (fauxqs): what a Lambda, SQS or
 * email subscriber of the alert topic receives, for the demo and the tests.
 */
import { type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface SubscribedQueue {
  queueUrl: string;
  queueArn: string;
}

/** Creates the queue and subscribes it; `attributes` are the subscription's (FilterPolicy, RawMessageDelivery…). */
export async function subscribeQueue(
  clients: { sns: SNSClient; sqs: SQSClient },
  topicArn: string,
  queueName: string,
  attributes: Record<string, string> = {},
): Promise<SubscribedQueue> {
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes!.QueueArn!;
  await clients.sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: attributes }),
  );
  return { queueUrl: QueueUrl!, queueArn };
}
