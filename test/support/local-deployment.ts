/**
 * The AWS side of a deployed stack on one local emulator (fauxqs): the state bucket holding the config,
 * the alert topic with a queue subscribed as the inbox, and the environment that points the functions
 * at them. Until stop(), process.env carries local credentials, which the SDK's default chain finds
 * as it does in Lambda.
 */
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { subscribeQueue } from '../../dev/aws/subscribed-queue.ts';
import { localAws } from './aws-secrets.ts';
import { LOCAL_CREDENTIALS, localBucket, putConfig } from './local-bucket.ts';

export interface LocalDeployment {
  readonly fauxqs: FauxqsServer;
  /** A client of the emulator's SQS, open until stop(). */
  readonly sqs: SQSClient;
  /** The queue subscribed to the alert topic: every published alert lands there. */
  readonly inboxUrl: string;
  /** The functions' environment: config, state and alerts on the emulator, errors-only logs. */
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** `configYaml` is stored where serverless.yml points SPENDWATCH_CONFIG: <bucket>/spendwatch/config/. */
export async function startLocalDeployment(bucket: string, configYaml: string): Promise<LocalDeployment> {
  const saved = { ...process.env };
  Object.assign(process.env, LOCAL_CREDENTIALS);
  const fauxqs = await startFauxqs({ port: 0, logger: false });

  const { env: bucketEnv, s3 } = await localBucket(fauxqs.address, bucket);
  const config = await putConfig(s3, bucket, 'spendwatch/config/spendwatch.json', configYaml);
  s3.destroy();

  const sqs = new SQSClient(localAws(fauxqs.address));
  const sns = new SNSClient(localAws(fauxqs.address));
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'spendwatch-alerts' }));
  const { queueUrl } = await subscribeQueue({ sns, sqs }, TopicArn!, 'inbox');
  sns.destroy();

  return {
    fauxqs,
    sqs,
    inboxUrl: queueUrl,
    env: {
      ...process.env,
      ...bucketEnv,
      SPENDWATCH_CONFIG: config,
      SPENDWATCH_TOPIC_ARN: TopicArn,
      SPENDWATCH_SNS_ENDPOINT: fauxqs.address,
      SPENDWATCH_LOG_LEVEL: 'error',
    },
    async stop() {
      process.env = saved;
      sqs.destroy();
      await fauxqs.stop();
    },
  };
}
